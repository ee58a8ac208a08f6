// SPDX-License-Identifier: GPL-2.0
/*
 * LIO's configfs tree, written as targetcli (rtslib) writes it: a storage
 * object is LIO_ROOT/core/PLUGIN_H/NAME with its own HBA H (the lowest index
 * free), configured through "control", given a unit serial and enabled; a
 * fabric LUN is a directory lun/lun_N of a target portal group with a
 * symlink to the storage object in it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "advice.h"
#include "args.h"
#include "dev.h"
#include "lio.h"
#include "out.h"

#define CONFIGFS_MAGIC		0x62656570

int strfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int lio_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int lio_mkdir(const char *path)
{
	if (!mkdir(path, 0755))
		return 0;
	return errno == EEXIST ? 1 : -errno;
}

bool lio_modprobe(const char *module)
{
	int status, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("modprobe", "modprobe", "-q", module, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool configfs_mounted(void)
{
	struct statfs sf;

	return !statfs(LIO_CONFIGFS, &sf) && (unsigned long)sf.f_type == CONFIGFS_MAGIC;
}

int lio_core_ready(bool quiet)
{
	if (is_dir(LIO_ROOT))
		return 0;
	if (quiet)
		return -1;
	if (!configfs_mounted()) {
		lio_modprobe("configfs");
		if (!configfs_mounted()) {
			fail_rc(RC_NODEV, "configfs is not mounted on %s, where LIO is configured",
				LIO_CONFIGFS);
			return fail_rc(RC_NODEV, "to fix: mount -t configfs none %s (systemd does it at boot)",
				       LIO_CONFIGFS);
		}
	}
	if (!is_dir(LIO_ROOT) && !lio_modprobe("target_core_mod") && !is_dir(LIO_ROOT)) {
		fail_rc(RC_NODEV, "LIO, the kernel's SCSI target, is not loaded (no %s) and 'modprobe target_core_mod' failed",
			LIO_ROOT);
		return fail_rc(RC_NODEV, "to fix: install the running kernel's modules (Debian: linux-image-$(uname -r); the kernel needs CONFIG_TARGET_CORE), then modprobe target_core_mod");
	}
	/* (modprobe returns before configfs shows the group, on some kernels.) */
	for (int i = 0; i < 50 && !is_dir(LIO_ROOT); i++)
		usleep(20000);
	if (!is_dir(LIO_ROOT))
		return fail_rc(RC_NODEV, "target_core_mod is loaded but " LIO_ROOT
			       " is missing: is configfs mounted on " LIO_CONFIGFS "?");
	return 0;
}

/* What the fabric module is, for people. */
static const char *fabric_config(const char *module)
{
	if (!strcmp(module, "tcm_loop"))
		return "CONFIG_LOOPBACK_TARGET";
	if (!strcmp(module, "iscsi_target_mod"))
		return "CONFIG_ISCSI_TARGET";
	return "its CONFIG option";
}

int lio_fabric_ready(const char *fabric, const char *module)
{
	char path[PATH_MAX];
	int err;

	strfmt(path, sizeof(path), LIO_ROOT "/%s", fabric);
	err = lio_mkdir(path);
	if (err >= 0)
		return 0;
	/* LIO loads the fabric module on mkdir itself; the module may need modprobe's paths. */
	if (lio_modprobe(module)) {
		err = lio_mkdir(path);
		if (err >= 0)
			return 0;
	}
	fail_rc(RC_NODEV, "the LIO fabric '%s' is missing (%s): %s is not loaded and 'modprobe %s' failed",
		fabric, errno_name(-err), module, module);
	return fail_rc(RC_NODEV, "to fix: install the running kernel's modules (Debian: linux-image-$(uname -r); the kernel needs %s), then modprobe %s",
		       fabric_config(module), module);
}

/* "PREFIX_N" with digits N: N, else -1. */
static long hba_index(const char *name, const char *prefix)
{
	const char *us = strrchr(name, '_');

	if (!us || (prefix && (size_t)(us - name) != strlen(prefix)) ||
	    (prefix && strncmp(name, prefix, us - name)))
		return -1;
	return parse_index(us + 1);
}

int lio_free_hba(void)
{
	static unsigned char used[1 << 16];
	struct dirent *e;
	long n;
	int i;
	DIR *d;

	memset(used, 0, sizeof(used));
	d = opendir(LIO_ROOT "/core");
	if (d) {
		while ((e = readdir(d))) {
			n = hba_index(e->d_name, NULL);
			if (n >= 0 && n < (long)sizeof(used))
				used[n] = 1;
		}
		closedir(d);
	}
	for (i = 0; i < (int)sizeof(used) - 1 && used[i]; i++)
		;
	return i;
}

static int so_cmp(const void *a, const void *b)
{
	const struct lio_so *x = a, *y = b;
	long hx = hba_index(x->hba, "odx"), hy = hba_index(y->hba, "odx");

	if (hx != hy)
		return hx < hy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The odx storage objects of HBA directory @hba. */
static int scan_hba(const char *hba, struct lio_so *sos, int nr, int max)
{
	char dir[PATH_MAX], info[1024];
	struct dirent *e;
	unsigned int idx;
	const char *p;
	DIR *d;

	strfmt(dir, sizeof(dir), LIO_ROOT "/core/%s", hba);
	d = opendir(dir);
	if (!d)
		return nr;
	while ((e = readdir(d)) && nr < max) {
		struct lio_so *so = &sos[nr];

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(so->name))
			continue;
		memset(so, 0, sizeof(*so));
		if (strfmt(so->path, sizeof(so->path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(so->path) || !is_dir(so->path) ||
		    strfmt(so->hba, sizeof(so->hba), "%s", hba) >= (int)sizeof(so->hba))
			continue;
		strfmt(so->name, sizeof(so->name), "%s", e->d_name);
		so->index = -1;
		strfmt(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s/info", e->d_name);
		/* odx_target's part of "info": "odx device: odxN ... made here: yes|no". */
		if (!sysfs_read(dir, info, sizeof(info))) {
			p = strstr(info, "odx device: odx");
			if (p && sscanf(p, "odx device: odx%u", &idx) == 1)
				so->index = idx;
			so->made_device = strstr(info, "made here: yes");
		}
		strfmt(dir, sizeof(dir), LIO_ROOT "/core/%s", hba);
		nr++;
	}
	closedir(d);
	return nr;
}

/* Whether @name, in fabric directory @dir, is a target (a directory, not discovery_auth). */
static bool is_target(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (name[0] == '.' || !strcmp(name, "discovery_auth"))
		return false;
	strfmt(path, sizeof(path), "%s/%s", dir, name);
	return is_dir(path);
}

/* Match the LUN links of tpg directory @tpg against the storage objects. */
static void scan_tpg(const char *fabric, const char *target, unsigned int tpgt,
		     const char *tpg, struct lio_so *sos, char (*real)[PATH_MAX], int nr)
{
	char luns[PATH_MAX], lun[PATH_MAX], link[PATH_MAX], rp[PATH_MAX];
	struct dirent *e, *f;
	long l;
	DIR *d, *ld;
	int i;

	strfmt(luns, sizeof(luns), "%s/lun", tpg);
	d = opendir(luns);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "lun_", 4))
			continue;
		l = parse_index(e->d_name + 4);
		if (l < 0)
			continue;
		strfmt(lun, sizeof(lun), "%s/%s", luns, e->d_name);
		ld = opendir(lun);
		if (!ld)
			continue;
		while ((f = readdir(ld))) {
			struct stat st;

			strfmt(link, sizeof(link), "%s/%s", lun, f->d_name);
			if (f->d_name[0] == '.' || lstat(link, &st) || !S_ISLNK(st.st_mode) ||
			    !realpath(link, rp))
				continue;
			for (i = 0; i < nr; i++) {
				struct lio_so *so = &sos[i];
				struct lio_lun *ln;

				if (strcmp(real[i], rp) || so->nluns >= LIO_MAX_LUNS ||
				    strlen(target) >= sizeof(so->luns[0].target))
					continue;
				ln = &so->luns[so->nluns++];
				strfmt(ln->fabric, sizeof(ln->fabric), "%s", fabric);
				strfmt(ln->target, sizeof(ln->target), "%s", target);
				ln->tpgt = tpgt;
				ln->lun = l;
				strfmt(ln->path, sizeof(ln->path), "%s", lun);
				strfmt(ln->link, sizeof(ln->link), "%s", f->d_name);
				if (!strcmp(fabric, "loopback"))
					lio_loop_disk(target, tpgt, l, ln->disk, sizeof(ln->disk));
			}
		}
		closedir(ld);
	}
	closedir(d);
}

static int lun_cmp(const void *a, const void *b)
{
	const struct lio_lun *x = a, *y = b;
	int c = strcmp(x->fabric, y->fabric);

	if (!c)
		c = strcmp(x->target, y->target);
	if (!c)
		c = x->tpgt < y->tpgt ? -1 : x->tpgt > y->tpgt;
	if (!c)
		c = x->lun < y->lun ? -1 : x->lun > y->lun;
	return c;
}

int lio_scan(struct lio_so *sos, int max)
{
	static char real[LIO_MAX_SOS][PATH_MAX];
	char fdir[PATH_MAX], tdir[PATH_MAX], tpg[PATH_MAX];
	struct dirent *e, *t, *g;
	DIR *root, *fd, *td;
	int nr = 0, i;
	long n;

	if (max > LIO_MAX_SOS)
		max = LIO_MAX_SOS;
	root = opendir(LIO_ROOT "/core");
	if (!root)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(root)))
		if (hba_index(e->d_name, "odx") >= 0)
			nr = scan_hba(e->d_name, sos, nr, max);
	closedir(root);
	qsort(sos, nr, sizeof(*sos), so_cmp);
	for (i = 0; i < nr; i++)
		if (!realpath(sos[i].path, real[i]))
			strfmt(real[i], sizeof(real[i]), "%s", sos[i].path);

	/* Every fabric's targets' tpgs' LUNs (rtslib's _gen_attached_luns). */
	root = opendir(LIO_ROOT);
	if (!root)
		return nr;
	while ((e = readdir(root))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "core"))
			continue;
		strfmt(fdir, sizeof(fdir), LIO_ROOT "/%s", e->d_name);
		fd = opendir(fdir);
		if (!fd)
			continue;
		while ((t = readdir(fd))) {
			if (!is_target(fdir, t->d_name))
				continue;
			strfmt(tdir, sizeof(tdir), "%s/%s", fdir, t->d_name);
			td = opendir(tdir);
			if (!td)
				continue;
			while ((g = readdir(td))) {
				if (strncmp(g->d_name, "tpgt_", 5))
					continue;
				n = parse_index(g->d_name + 5);
				if (n < 0)
					continue;
				strfmt(tpg, sizeof(tpg), "%s/%s", tdir, g->d_name);
				scan_tpg(e->d_name, t->d_name, n, tpg, sos, real, nr);
			}
			closedir(td);
		}
		closedir(fd);
	}
	closedir(root);
	for (i = 0; i < nr; i++)
		qsort(sos[i].luns, sos[i].nluns, sizeof(sos[i].luns[0]), lun_cmp);
	return nr;
}

int lio_loop_disk(const char *wwn, unsigned int tpgt, unsigned int lun, char *disk,
		  size_t len)
{
	char path[PATH_MAX], addr[64];
	struct dirent *e;
	int rc = -1;
	DIR *d;

	disk[0] = '\0';
	/* tcm_loop's SCSI address of the target: "H:0:T". */
	strfmt(path, sizeof(path), LIO_ROOT "/loopback/%s/tpgt_%u/address", wwn, tpgt);
	if (sysfs_read(path, addr, sizeof(addr)))
		return -1;
	strfmt(path, sizeof(path), "/sys/bus/scsi/devices/%s:%u/block", addr, lun);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		strfmt(disk, len, "/dev/%s", e->d_name);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

int lio_portals(const char *iqn, unsigned int tpgt, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t used = 0;
	int nr = 0;
	DIR *d;

	buf[0] = '\0';
	strfmt(path, sizeof(path), LIO_ROOT "/iscsi/%s/tpgt_%u/np", iqn, tpgt);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		used += strfmt(buf + used, used < len ? len - used : 0, "%s%s",
				 nr ? " " : "", e->d_name);
		nr++;
	}
	closedir(d);
	return nr;
}

/* ----------------------------------------------------------------------------
 * The targets odxctl made: LIO_MADE_FILE, one "FABRIC/WWN" a line.
 */

bool lio_made(const char *rel)
{
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen(LIO_MADE_FILE, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line, rel);
	}
	fclose(f);
	return found;
}

void lio_made_add(const char *rel)
{
	FILE *f;

	if (lio_made(rel))
		return;
	mkdir(LIO_MADE_DIR, 0755);
	f = fopen(LIO_MADE_FILE, "ae");
	if (!f)
		return;
	fprintf(f, "%s\n", rel);
	fclose(f);
}

void lio_made_del(const char *rel)
{
	char line[512], tmp[] = LIO_MADE_FILE ".XXXXXX";
	FILE *f, *out;
	int fd;

	f = fopen(LIO_MADE_FILE, "re");
	if (!f)
		return;
	fd = mkstemp(tmp);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		if (fd >= 0)
			close(fd);
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && strcmp(line, rel))
			fprintf(out, "%s\n", line);
	}
	fclose(f);
	if (fclose(out) || rename(tmp, LIO_MADE_FILE))
		unlink(tmp);
}

/* ----------------------------------------------------------------------------
 * Errors
 */

int lio_fail(int err, const char *what, const char *path)
{
	const char *hint = NULL;
	int rc = RC_FAIL;

	if (err < 0)
		err = -err;
	switch (err) {
	case EACCES:
	case EPERM:
		hint = "LIO's configfs tree is root's: run odxctl as root";
		break;
	case EADDRINUSE:
		hint = "another program listens on that address and port: pick another --portal";
		break;
	case EADDRNOTAVAIL:
		hint = "no interface of this machine has that address: give one it has, or 0.0.0.0";
		break;
	case EBUSY:
		hint = "something still uses it (an initiator logged in, or a LUN of another tool); the kernel log says more";
		break;
	case ENOENT:
		hint = "LIO's tree changed meanwhile (a module unloaded?); 'odxctl exports' shows what is left";
		rc = RC_NODEV;
		break;
	case EINVAL:
		hint = "the kernel refused the value; the kernel log (dmesg) says why";
		break;
	}
	fail_rc(rc, "%s %s: %s (%s)", what, path, strerror(err), errno_name(err));
	if (hint)
		fail_rc(rc, "to fix: %s", hint);
	return rc;
}
