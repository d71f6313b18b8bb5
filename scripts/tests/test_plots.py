"""Layout of the report's plots, from matplotlib's own bounding boxes: the
overall title of per_op.png clear of the panel titles, panel titles in
prose with the unit on the axis (no raw metric names, no unit twice), the
legend of user_kernel.png clear of its x-label, the x-label of ratio.png
inside the figure; and REPORT.html wraps long lines of code.  Each layout
is checked for a small and a large figure, where the defects showed."""
import os
import re
import sys
import tempfile
import types
import unittest
from unittest import mock

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import analysis  # noqa: E402
import htmlout  # noqa: E402
import plots  # noqa: E402

FIX = os.path.join(HERE, "fixtures", "ab_small.jsonl")
FIX_SCHEMA1 = os.path.join(HERE, "fixtures", "ab_small_schema1.jsonl")


def drawn(make):
    """Run a plot function with plt.close stubbed; return its figure, drawn
    as it was saved (layout applied), and the renderer."""
    before = set(plt.get_fignums())
    with tempfile.TemporaryDirectory() as d, mock.patch.object(plots.plt, "close"):
        make(d)
    new = [n for n in plt.get_fignums() if n not in before]
    assert len(new) == 1, new
    fig = plt.figure(new[0])
    fig.canvas.draw()
    return fig, fig.canvas.get_renderer()


def overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def inside(fig, bbox, slack=1.0):
    return (bbox.x0 >= -slack and bbox.y0 >= -slack and bbox.x1 <= fig.bbox.x1 + slack
            and bbox.y1 <= fig.bbox.y1 + slack)


class PlotLayout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exp = analysis.Analysis(FIX).workloads[0].exp

    def tearDown(self):
        plt.close("all")

    def per_op_figure(self, n_panels, n_variants):
        exp = types.SimpleNamespace(variants=self.exp.variants[:n_variants])
        data = {v.label: [1.0, 2.0, 3.0] for v in exp.variants}
        panels = [plots.Panel("user page faults per 1000 operations, a long description (eBPF) %d" % i,
                              "/1K ops", data) for i in range(n_panels)]
        with mock.patch.object(plots, "per_op_panels", return_value=panels):
            return drawn(lambda d: plots.per_op(exp, d))

    def test_per_op_overall_title_clear_of_panel_titles(self):
        for n_panels, n_variants in ((1, 1), (2, 2), (3, 2), (4, len(self.exp.variants)), (9, 2)):
            fig, r = self.per_op_figure(n_panels, n_variants)
            sup = fig._suptitle.get_window_extent(r)
            self.assertTrue(inside(fig, sup), (n_panels, n_variants))
            tops = []
            for ax in fig.axes:
                if ax.get_title():
                    t = ax.title.get_window_extent(r)
                    self.assertFalse(overlap(sup, t), "suptitle touches a panel title with %d panels, %d variants"
                                     % (n_panels, n_variants))
                    tops.append(t.y1)
                    self.assertEqual(ax.get_xlabel(), "/1K ops")     # the unit goes on the axis
            # clear of the panel titles, yet not floating far above them (pixels at 100 dpi)
            gap = sup.y0 - max(tops)
            self.assertTrue(4 <= gap <= 40, "gap %.0f px with %d panels, %d variants" % (gap, n_panels, n_variants))
            plt.close(fig)

    def test_per_op_titles_are_prose_with_the_unit_once(self):
        # schema 1 records have no descriptions: the name in words; the
        # fixture's schema 2 descriptions are the fixture's own text
        for path, prose in ((FIX_SCHEMA1, True), (FIX, False)):
            exp = analysis.Analysis(path).workloads[0].exp
            panels = plots.per_op_panels(exp)
            self.assertGreater(len(panels), 3, path)
            for p in panels[:3] if not prose else panels:
                self.assertIsNone(re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", p.title), p.title)   # no raw metric name
            for p in panels:
                self.assertNotIn("(%s)" % p.unit, p.title)   # the unit is on the axis, not in the title
                self.assertTrue(p.unit, p.title)

    def test_per_op_title_from_an_old_description(self):
        """Records written before the descriptions were prose say
        'perf event page-faults (/1K ops)': the unit is not shown twice."""
        self.assertEqual(plots.panel_title("perf event page-faults (/1K ops)", "page_faults_per_kop", "/1K ops"),
                         "perf event page-faults")
        self.assertEqual(plots.panel_title("", "dtlb_load_misses_per_kop", "/1K ops"), "dtlb load misses")

    def user_kernel_figure(self, n):
        rows = [{"variant": "variant %d" % i, "user_s": 0.1 + 0.01 * i, "sys_s": 0.02, "fault_s": (0.01, 0, 0),
                 "alloc_instr_frac": 0.4} for i in range(n)]
        return drawn(lambda d: plots.user_kernel({"rows": rows}, d))

    def test_user_kernel_legend_clear_of_the_xlabel(self):
        for n in (1, 2, 9):
            fig, r = self.user_kernel_figure(n)
            ax = fig.axes[0]
            legend = (ax.get_legend() or fig.legends[0]).get_window_extent(r)
            xlabel = ax.xaxis.label.get_window_extent(r)
            self.assertFalse(overlap(legend, xlabel), "legend over the x-label with %d rows" % n)
            self.assertLess(legend.y1, xlabel.y0 + 0.5, "legend not below the x-label with %d rows" % n)
            # and not far below either: within two lines of text
            self.assertLess(xlabel.y0 - legend.y1, 40, "legend detached from the plot with %d rows" % n)
            plt.close(fig)

    def test_ratio_xlabel_inside_the_figure(self):
        base = types.SimpleNamespace(label="hakmem")
        for n in (1, 2, 8):
            comps = {"variant %d" % i: types.SimpleNamespace(change=-0.1 * i, direction="worse",
                                                             ci=(-0.1 * i - 0.05, -0.1 * i + 0.05),
                                                             figure=types.SimpleNamespace(name="ops_per_sec"))
                     for i in range(1, n + 1)}
            fig, r = drawn(lambda d: plots.ratio(types.SimpleNamespace(baseline=base), comps, d))
            ax = fig.axes[0]
            self.assertTrue(inside(fig, ax.xaxis.label.get_window_extent(r)), "x-label clipped with %d rows" % n)
            self.assertTrue(inside(fig, ax.title.get_window_extent(r)), "title clipped with %d rows" % n)
            plt.close(fig)


class Html(unittest.TestCase):
    def test_long_code_lines_wrap(self):
        md = "### Reproduce\n\n```\n./harness run random_mixed " + "--alloc=a,b " * 40 + "\n```\n\n| a |\n|---|\n| `" \
             + "x" * 300 + "` |\n"
        h = htmlout.markdown_to_html(md, "t")
        css = re.search(r"<style>(.*?)</style>", h, re.S).group(1)
        pre = re.search(r"(?:^|})\s*pre\{([^}]*)\}", css)
        self.assertIsNotNone(pre, css)
        self.assertIn("white-space:pre-wrap", pre.group(1))
        self.assertIn("overflow-wrap:anywhere", pre.group(1))
        code = re.search(r"(?:^|})\s*code\{([^}]*)\}", css)
        self.assertIsNotNone(code, css)
        self.assertIn("overflow-wrap:anywhere", code.group(1))   # inline code in tables and lists too


if __name__ == "__main__":
    unittest.main()
