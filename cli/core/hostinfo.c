/* hostinfo.c - see hostinfo.h.  host.calibration is the cached object of
 * calibration.c when this host and boot has one.  The hardware PMU check opens a cycles
 * counter on this process: on these VMs it fails with ENOENT, and every
 * hardware figure must then be reported as not supported. */
#include "hostinfo.h"
#include "calibration.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static void read_line_field(const char *path, const char *key, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f)
		return;
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) != 0)
			continue;
		char *v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, n, "%s", v);
		break;
	}
	fclose(f);
}

/* "always [madvise] never" -> "madvise" */
static void read_bracketed(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	snprintf(out, n, "unknown");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
		if (l && r) {
			*r = '\0';
			snprintf(out, n, "%s", l + 1);
		}
	}
	fclose(f);
}

static void probe_pmu(struct hostinfo *h)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd >= 0) {
		h->hw_pmu = true;
		close(fd);
		return;
	}
	int e = errno;
	if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)
		snprintf(h->hw_pmu_reason, sizeof(h->hw_pmu_reason),
			 "no hardware PMU on this machine (%s)", e == ENOENT ? "ENOENT" : strerror(e));
	else
		snprintf(h->hw_pmu_reason, sizeof(h->hw_pmu_reason),
			 "hardware counters not usable: %s (check /proc/sys/kernel/perf_event_paranoid)", strerror(e));
}

const struct hostinfo *hostinfo_get(void)
{
	static struct hostinfo h;
	static bool done;
	if (done)
		return &h;
	done = true;
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(h.hostname, sizeof(h.hostname), "%s", u.nodename);
		snprintf(h.kernel, sizeof(h.kernel), "%s", u.release);
	}
	snprintf(h.cpu_model, sizeof(h.cpu_model), "unknown");
	read_line_field("/proc/cpuinfo", "model name", h.cpu_model, sizeof(h.cpu_model));
	h.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	char mem[64] = "0";
	read_line_field("/proc/meminfo", "MemTotal", mem, sizeof(mem));
	sscanf(mem, "%ld", &h.mem_total_kb);
	read_bracketed("/sys/kernel/mm/transparent_hugepage/enabled", h.thp_enabled, sizeof(h.thp_enabled));
	read_bracketed("/sys/kernel/mm/transparent_hugepage/defrag", h.thp_defrag, sizeof(h.thp_defrag));
	probe_pmu(&h);
	return &h;
}

void hostinfo_json(const struct hostinfo *h, struct jbuf *b)
{
	jb_obj_begin(b, "host");
	jb_str(b, "hostname", h->hostname);
	jb_str(b, "kernel", h->kernel);
	jb_str(b, "cpu_model", h->cpu_model);
	jb_int(b, "cores", h->cores);
	jb_int(b, "mem_total_kb", h->mem_total_kb);
	jb_str(b, "thp_enabled", h->thp_enabled);
	jb_str(b, "thp_defrag", h->thp_defrag);
	jb_bool(b, "hw_pmu", h->hw_pmu);
	if (h->hw_pmu)
		jb_null(b, "hw_pmu_reason");
	else
		jb_str(b, "hw_pmu_reason", h->hw_pmu_reason);
	/* The measured costs (`harness calibrate`), only when this host and
	 * boot has them: absent means "not calibrated", never a default. */
	const struct jv *cal = calibration_cached();
	if (cal)
		jb_value(b, "calibration", cal);
	jb_obj_end(b);
}
