"""sections - one module per report section, one function per section.

Each section function takes a Ctx (sections/common.py) and returns the
section's Markdown lines.  report.py lists them in order (SECTIONS); a new
section is one function here and one line in that list.

  setup.py            Setup, Machine and software, Reproduce
  discoveries.py      Key discoveries (one function per kind of sentence)
  throughput.py       Performance reality (throughput or wall time)
  verdicts.py         Knob verdicts and the every-figure tables
  controllability.py  Controllability: where the time goes
  per_op.py           Per-op costs
  memory.py           Memory (RSS)
  unavailable.py      Unavailable figures, failed runs, skipped lines
  conclusion.py       Conclusion
  matrix.py           Workload matrix (files with several workloads)
"""
