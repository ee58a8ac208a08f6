// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl export, unexport and exports: odx devices as LUNs of LIO, the
 * kernel's SCSI target, through odx_target.ko's backstore, over tcm_loop (a
 * local /dev/sdX) or iSCSI. configfs is written the way targetcli does
 * (lio.c); what odxctl made is undone when a later step fails.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "dev.h"
#include "lio.h"
#include "out.h"

#define DEFAULT_IQN_PREFIX	"iqn.2026-12.org.odx:"
#define DEFAULT_PORTAL		"0.0.0.0:3260"
#define ISCSI_PORT		3260
/* tcm_loop WWNs odxctl picks: LIO's NAA 5 prefix (OUI 00:14:05), "0dd", the index. */
#define LOOP_WWN_FMT		"naa.50014050dd%06x"
#define DISK_WAIT_MS		10000

enum {
	OPT_LOOP = 256,
	OPT_ISCSI,
	OPT_WWN,
	OPT_IQN,
	OPT_PORTAL,
};

/* ----------------------------------------------------------------------------
 * Undo: what export made, removed in reverse when a later step fails.
 */

enum undo_kind { UNDO_RMDIR, UNDO_UNLINK };

static struct {
	enum undo_kind kind;
	char path[PATH_MAX];
} undo[16];
static int nundo;

static void undo_push(enum undo_kind kind, const char *path)
{
	if (nundo >= (int)ARRAY_SIZE(undo))
		return;
	undo[nundo].kind = kind;
	strfmt(undo[nundo].path, sizeof(undo[nundo].path), "%s", path);
	nundo++;
}

static void undo_all(void)
{
	while (nundo > 0) {
		nundo--;
		if (undo[nundo].kind == UNDO_UNLINK)
			unlink(undo[nundo].path);
		else
			rmdir(undo[nundo].path);
	}
}

/* mkdir @path, to be undone if it is new; 0, or the exit status after a message. */
static int make_dir(const char *what, const char *path, bool *made)
{
	int err = lio_mkdir(path);

	if (made)
		*made = !err;
	if (err < 0)
		return lio_fail(err, what, path);
	if (!err)
		undo_push(UNDO_RMDIR, path);
	return 0;
}

static int write_attr(const char *dir, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int err;

	strfmt(path, sizeof(path), "%s/%s", dir, attr);
	err = lio_write(path, val);
	if (err)
		return lio_fail(err, "cannot write to", path);
	return 0;
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

/* ----------------------------------------------------------------------------
 * Names
 */

/* naa. and 16 hex digits, as tcm_loop and targetcli take them; lowercased in place. */
static int check_wwn(char *wwn)
{
	size_t i;

	for (i = 0; wwn[i]; i++)
		wwn[i] = tolower((unsigned char)wwn[i]);
	if (strncmp(wwn, "naa.", 4) || strlen(wwn) != 20)
		return usage_error("bad --wwn '%s': give naa. and 16 hex digits, e.g. naa.5001405000000001",
				   wwn);
	for (i = 4; wwn[i]; i++)
		if (!isxdigit((unsigned char)wwn[i]))
			return usage_error("bad --wwn '%s': '%c' is not a hex digit", wwn, wwn[i]);
	return 0;
}

/* An iSCSI name (RFC 3720): iqn., eui. or naa., lowercase, no spaces or slashes. */
static int check_iqn(const char *iqn)
{
	const char *p;

	if (strncmp(iqn, "iqn.", 4) && strncmp(iqn, "eui.", 4) && strncmp(iqn, "naa.", 4))
		return usage_error("bad --iqn '%s': an iSCSI name starts with iqn., eui. or naa. (e.g. iqn.2026-12.org.example:disk1)",
				   iqn);
	if (strlen(iqn) > 223)
		return usage_error("bad --iqn: iSCSI names have at most 223 characters");
	for (p = iqn; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr(".-:", *p)))
			return usage_error("bad --iqn '%s': '%c' is not allowed (lowercase letters, digits, '.', '-' and ':')",
					   iqn, *p);
	return 0;
}

/*
 * ADDR[:PORT], ADDR an IPv4 address or an IPv6 one in brackets, into LIO's np
 * directory name @np ("ADDR:PORT") and what a client on this machine dials,
 * @host (127.0.0.1 or [::1] for the wildcards). 0, or -1 with *@why.
 */
static int portal_split(const char *s, char *np, size_t nplen, char *host, size_t hlen,
			const char **why)
{
	char addr[64], buf[16];
	const char *colon;
	unsigned long port = ISCSI_PORT;
	bool v6 = s[0] == '[';
	char *end;
	size_t alen;

	*why = "give ADDR:PORT, e.g. 0.0.0.0:3260 or [::]:3260";
	if (v6) {
		colon = strchr(s, ']');
		if (!colon || (colon[1] && colon[1] != ':')) {
			*why = "an IPv6 address goes in brackets: [ADDR]:PORT";
			return -1;
		}
		alen = colon - s - 1;
		colon = colon[1] ? colon + 1 : NULL;
		s++;
	} else {
		colon = strchr(s, ':');
		alen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!alen || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1) {
		*why = v6 ? "not an IPv6 address" : "not an IPv4 address (IPv6: [ADDR]:PORT)";
		return -1;
	}
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (!isdigit((unsigned char)colon[1]) || *end || errno || !port || port > 65535) {
			*why = "the port is a number from 1 to 65535";
			return -1;
		}
	}
	if (v6) {
		strfmt(np, nplen, "[%s]:%lu", addr, port);
		strfmt(host, hlen, "[%s]:%lu", strcmp(addr, "::") ? addr : "::1", port);
	} else {
		strfmt(np, nplen, "%s:%lu", addr, port);
		strfmt(host, hlen, "%s:%lu", strcmp(addr, "0.0.0.0") ? addr : "127.0.0.1", port);
	}
	return 0;
}

/* --portal ADDR[:PORT]. */
static int parse_portal(const char *s, char *np, size_t nplen, char *host, size_t hlen)
{
	const char *why;

	if (portal_split(s, np, nplen, host, hlen, &why))
		return usage_error("bad --portal '%s': %s", s, why);
	return 0;
}

/* The iscsi:// URL of LUN @lun of @iqn at portal @portal (an np name), as libiscsi takes it. */
static void iscsi_url(const char *portal, const char *iqn, unsigned int lun, char *buf, size_t len)
{
	char np[80], host[80];
	const char *why;

	if (portal_split(portal, np, sizeof(np), host, sizeof(host), &why))
		strfmt(host, sizeof(host), "%s", portal);
	strfmt(buf, len, "iscsi://%s/%s/%u", host, iqn, lun);
}

/* ----------------------------------------------------------------------------
 * The backstore
 */

static struct lio_so sos[LIO_MAX_SOS];

/* odx_target.ko, the "odx" backend of LIO; 0 or the exit status after a message. */
static int backend_ready(void)
{
	if (exists("/sys/module/odx_target"))
		return 0;
	if (lio_modprobe("odx_target") && exists("/sys/module/odx_target"))
		return 0;
	fail_rc(RC_NODEV, "LIO has no odx backstore: odx_target.ko is not loaded and 'modprobe odx_target' failed");
	return fail_rc(RC_NODEV, "to fix: insmod odx_target.ko from odx's build (built beside odx.ko, for the same kernel), then retry");
}

/* A unit serial for a new backstore: a random UUID, as targetcli gives one. */
static void unit_serial(char *buf, size_t len)
{
	if (sysfs_read("/proc/sys/kernel/random/uuid", buf, len))
		strfmt(buf, len, "%08x-odx0-4000-8000-%012x", (unsigned int)getpid(),
			 (unsigned int)time(NULL));
}

/*
 * The backstore of @d: the first enabled one that serves it, or a new one,
 * core/odx_H/odxN (H the lowest free HBA index). Its path into @path.
 */
static int get_backstore(const struct dev *d, int nr, char *path, size_t len, char *name,
		     size_t nlen, bool *made)
{
	char hba[PATH_MAX], dir[PATH_MAX], val[64];
	int i, rc;

	*made = false;
	for (i = 0; i < nr; i++) {
		if (sos[i].index != (int)d->index)
			continue;
		strfmt(path, len, "%s", sos[i].path);
		strfmt(name, nlen, "%s/%s", sos[i].hba, sos[i].name);
		return 0;
	}
	rc = backend_ready();
	if (rc)
		return rc;
	strfmt(hba, sizeof(hba), LIO_ROOT "/core/odx_%d", lio_free_hba());
	rc = make_dir("cannot make the backstore's HBA", hba, NULL);
	if (rc)
		return rc;
	strfmt(dir, sizeof(dir), "%s/%s", hba, d->name);
	rc = make_dir("cannot make the backstore", dir, NULL);
	if (rc)
		return rc;
	strfmt(val, sizeof(val), "odx_index=%u", d->index);
	rc = write_attr(dir, "control", val);
	if (!rc) {
		unit_serial(val, sizeof(val) - 1);
		strcat(val, "\n");
		rc = write_attr(dir, "wwn/vpd_unit_serial", val);
	}
	if (!rc)
		rc = write_attr(dir, "enable", "1");
	if (rc)
		return rc;
	strfmt(path, len, "%s", dir);
	strfmt(name, nlen, "%s/%s", strrchr(hba, '/') + 1, d->name);
	*made = true;
	return 0;
}

/* The lowest N without a lun_N in tpg directory @tpg. */
static unsigned int free_lun(const char *tpg)
{
	char path[PATH_MAX];
	unsigned int n;

	for (n = 0; n < 65535; n++) {
		strfmt(path, sizeof(path), "%s/lun/lun_%u", tpg, n);
		if (!exists(path))
			break;
	}
	return n;
}

/* LUN @lun of tpg @tpg linked to backstore @so; 0 or the exit status. */
static int make_lun(const char *tpg, unsigned int lun, const char *so, const char *link)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int rc;

	strfmt(dir, sizeof(dir), "%s/lun/lun_%u", tpg, lun);
	rc = make_dir("cannot make the LUN", dir, NULL);
	if (rc)
		return rc;
	strfmt(path, sizeof(path), "%s/%s", dir, link);
	if (symlink(so, path))
		return lio_fail(errno, "cannot link the backstore into", dir);
	undo_push(UNDO_UNLINK, path);
	return 0;
}

/* ----------------------------------------------------------------------------
 * export
 */

struct export {
	const struct dev *d;
	const char *fabric;	/* "loopback" or "iscsi" */
	char target[224];
	char so[PATH_MAX];	/* the backstore's path */
	char so_name[192];	/* odx_H/NAME */
	bool so_made;
	bool target_made;
	unsigned int lun;
	char disk[32];		/* loopback */
	char portal[80];	/* iscsi: np name */
	char host[80];		/* iscsi: what a local client dials */
	char url[320];
};

/*
 * The target ex->target of FABRIC (its configfs directory name) and its
 * portal group tpgt_1: their paths in @tgt and @tpg (PATH_MAX each).
 */
static int make_target(struct export *ex, const char *fabric, const char *name,
		       char *tgt, char *tpg)
{
	char what[64];
	int rc;

	strfmt(tgt, PATH_MAX, LIO_ROOT "/%s/%s", fabric, ex->target);
	snprintf(what, sizeof(what), "cannot make the %s target", name);
	rc = make_dir(what, tgt, &ex->target_made);
	if (rc)
		return rc;
	strfmt(tpg, PATH_MAX, "%s/tpgt_1", tgt);
	snprintf(what, sizeof(what), "cannot make the %s portal group", name);
	return make_dir(what, tpg, NULL);
}

static int export_loop(struct export *ex)
{
	char tgt[PATH_MAX], tpg[PATH_MAX], path[PATH_MAX], nexus[64];
	int rc, ms;

	rc = make_target(ex, "loopback", "tcm_loop", tgt, tpg);
	if (rc)
		return rc;
	/* The I_T nexus first (tcm_loop adds the LUN's disk on the port link). */
	strfmt(path, sizeof(path), "%s/nexus", tpg);
	if (sysfs_read(path, nexus, sizeof(nexus)) || !nexus[0]) {
		strfmt(nexus, sizeof(nexus), "%s", ex->target);
		nexus[strlen(nexus) - 1] = nexus[strlen(nexus) - 1] == 'f' ? 'e' : 'f';
		strcat(nexus, "\n");
		rc = write_attr(tpg, "nexus", nexus);
		if (rc)
			return rc;
	}
	ex->lun = free_lun(tpg);
	rc = make_lun(tpg, ex->lun, ex->so, ex->d->name);
	if (rc)
		return rc;

	if (!exists("/sys/bus/scsi/drivers/sd"))
		lio_modprobe("sd_mod");
	for (ms = 0; ms <= DISK_WAIT_MS; ms += 50) {
		if (!lio_loop_disk(ex->target, 1, ex->lun, ex->disk, sizeof(ex->disk)) &&
		    exists(ex->disk))
			return 0;
		usleep(50000);
	}
	/* Exported, but no disk: say so, and leave the export for unexport. */
	nundo = 0;
	if (ex->target_made) {
		strfmt(tgt, sizeof(tgt), "loopback/%s", ex->target);
		lio_made_add(tgt);
	}
	fail_rc(RC_FAIL, "%s is exported (%s/lun/lun_%u) but no /dev/sdX appeared within %d s",
		ex->d->path, tpg, ex->lun, DISK_WAIT_MS / 1000);
	return fail_rc(RC_FAIL, "to fix: load the SCSI disk driver (modprobe sd_mod) and check the kernel log; 'odxctl unexport %s' removes the export",
		       ex->d->name);
}

static int export_iscsi(struct export *ex)
{
	static const char *const attrs[][2] = {
		{ "attrib/generate_node_acls", "1" },
		{ "attrib/cache_dynamic_acls", "1" },
		{ "attrib/demo_mode_write_protect", "0" },
		{ "attrib/authentication", "0" },
	};
	char tgt[PATH_MAX], tpg[PATH_MAX], np[PATH_MAX], val[16];
	size_t i;
	int rc;

	rc = make_target(ex, "iscsi", "iSCSI", tgt, tpg);
	if (rc)
		return rc;
	strfmt(np, sizeof(np), "%s/np/%s", tpg, ex->portal);
	rc = make_dir("cannot listen on the portal", np, NULL);
	if (rc)
		return rc;
	ex->lun = free_lun(tpg);
	rc = make_lun(tpg, ex->lun, ex->so, ex->d->name);
	if (rc)
		return rc;
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		rc = write_attr(tpg, attrs[i][0], attrs[i][1]);
		if (rc)
			return rc;
	}
	strfmt(np, sizeof(np), "%s/enable", tpg);
	if (sysfs_read(np, val, sizeof(val)) || strcmp(val, "1")) {
		rc = write_attr(tpg, "enable", "1");
		if (rc)
			return rc;
	}
	strfmt(ex->url, sizeof(ex->url), "iscsi://%s/%s/%u", ex->host, ex->target, ex->lun);
	return 0;
}

static int export_print(const struct export *ex, bool json)
{
	struct json_object *o;

	if (!json) {
		if (!strcmp(ex->fabric, "loopback")) {
			printf("%s\n", ex->disk);
		} else {
			printf("target: %s\n", ex->target);
			printf("portal: %s\n", ex->portal);
			printf("lun:    %u\n", ex->lun);
			printf("url:    %s\n", ex->url);
		}
		return RC_OK;
	}
	o = js_object();
	js_add(o, "device", js_str(ex->d->path));
	js_add(o, "backstore", js_str(ex->so_name));
	js_add(o, "backstore_path", js_str(ex->so));
	js_add(o, "backstore_made", js_bool(ex->so_made));
	js_add(o, "fabric", js_str(ex->fabric));
	js_add(o, "target", js_str(ex->target));
	js_add(o, "target_made", js_bool(ex->target_made));
	js_add(o, "tpg", js_u64(1));
	js_add(o, "lun", js_u64(ex->lun));
	if (!strcmp(ex->fabric, "loopback")) {
		js_add(o, "disk", js_str(ex->disk));
	} else {
		js_add(o, "portal", js_str(ex->portal));
		js_add(o, "url", js_str(ex->url));
	}
	return js_print(o);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "loop", no_argument, NULL, OPT_LOOP },
		{ "iscsi", no_argument, NULL, OPT_ISCSI },
		{ "wwn", required_argument, NULL, OPT_WWN },
		{ "iqn", required_argument, NULL, OPT_IQN },
		{ "portal", required_argument, NULL, OPT_PORTAL },
		{ }
	};
	static struct export ex;
	const char *wwn = NULL, *iqn = NULL, *portal = NULL;
	char rel[PATH_MAX];
	struct cmdline cl;
	int opt, rc, nr, i, k;

	cmd_init(&cl, "export", argc, argv, "", opts, CMD_JSON);
	while ((opt = cmd_opt(&cl)) > 0) {
		switch (opt) {
		case OPT_LOOP:
		case OPT_ISCSI:
			if (ex.fabric && strcmp(ex.fabric, opt == OPT_LOOP ? "loopback" : "iscsi"))
				return usage_error("give one of --loop and --iscsi");
			ex.fabric = opt == OPT_LOOP ? "loopback" : "iscsi";
			break;
		case OPT_WWN:
			wwn = optarg;
			break;
		case OPT_IQN:
			iqn = optarg;
			break;
		case OPT_PORTAL:
			portal = optarg;
			break;
		}
	}
	if (opt < 0)
		return cl.rc;
	if (!ex.fabric)
		return usage_error("how? give --loop (a local /dev/sdX) or --iscsi");
	if (!strcmp(ex.fabric, "loopback") && (iqn || portal))
		return usage_error("--iqn and --portal are for --iscsi; --loop takes --wwn");
	if (!strcmp(ex.fabric, "iscsi") && wwn)
		return usage_error("--wwn is for --loop; --iscsi takes --iqn");
	if (wwn) {
		strfmt(ex.target, sizeof(ex.target), "%s", wwn);
		if (check_wwn(ex.target))
			return RC_USAGE;
	} else if (iqn) {
		if (check_iqn(iqn))
			return RC_USAGE;
		strfmt(ex.target, sizeof(ex.target), "%s", iqn);
	}
	if (!strcmp(ex.fabric, "iscsi") &&
	    parse_portal(portal ? portal : DEFAULT_PORTAL, ex.portal, sizeof(ex.portal),
			 ex.host, sizeof(ex.host)))
		return RC_USAGE;
	rc = cmd_dev(&cl, "DEV (/dev/odxN, odxN or N)", 0);
	if (rc)
		return rc;
	ex.d = &cl.dev;
	if (!ex.target[0] && !strcmp(ex.fabric, "loopback"))
		strfmt(ex.target, sizeof(ex.target), LOOP_WWN_FMT, cl.dev.index);
	else if (!ex.target[0])
		strfmt(ex.target, sizeof(ex.target), DEFAULT_IQN_PREFIX "%s", cl.dev.name);

	rc = lio_core_ready(false);
	if (rc)
		return rc;
	nr = lio_scan(sos, LIO_MAX_SOS);
	if (nr < 0)
		return lio_fail(nr, "cannot read", LIO_ROOT "/core");
	/* Once a fabric: a second export there is an error, not a second LUN. */
	for (i = 0; i < nr; i++) {
		if (sos[i].index != (int)cl.dev.index)
			continue;
		for (k = 0; k < sos[i].nluns; k++) {
			const struct lio_lun *l = &sos[i].luns[k];

			if (strcmp(l->fabric, ex.fabric))
				continue;
			fail_rc(RC_FAIL, "%s is exported over %s already: %s/%s tpgt_%u LUN %u%s%s (backstore %s/%s)",
				cl.dev.path, ex.fabric, l->fabric, l->target, l->tpgt, l->lun,
				l->disk[0] ? ", " : "", l->disk, sos[i].hba, sos[i].name);
			return fail_rc(RC_FAIL, "to fix: 'odxctl exports' shows where, 'odxctl unexport %s' removes it",
				       cl.dev.name);
		}
	}

	/* The fabric first: a missing one leaves nothing behind to undo. */
	rc = !strcmp(ex.fabric, "loopback") ? lio_fabric_ready("loopback", "tcm_loop") :
					      lio_fabric_ready("iscsi", "iscsi_target_mod");
	if (rc)
		return rc;
	nundo = 0;
	rc = get_backstore(&cl.dev, nr, ex.so, sizeof(ex.so), ex.so_name, sizeof(ex.so_name),
		       &ex.so_made);
	if (!rc)
		rc = !strcmp(ex.fabric, "loopback") ? export_loop(&ex) : export_iscsi(&ex);
	if (rc) {
		undo_all();
		return rc;
	}
	nundo = 0;
	if (ex.target_made) {
		strfmt(rel, sizeof(rel), "%s/%s", ex.fabric, ex.target);
		lio_made_add(rel);
	}
	return export_print(&ex, cl.json);
}

/* ----------------------------------------------------------------------------
 * unexport
 */

/* Remove the entries of @dir that are directories, after their symlinks (mapped LUNs). */
static int rmdir_children(const char *dir, const char *prefix)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *e, *f;
	int rc = 0;
	DIR *d, *sd;

	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || (prefix && strncmp(e->d_name, prefix, strlen(prefix))))
			continue;
		strfmt(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!exists(path))
			continue;
		sd = opendir(path);
		if (!sd)
			continue;
		while ((f = readdir(sd))) {
			struct stat st;

			strfmt(sub, sizeof(sub), "%s/%s", path, f->d_name);
			if (f->d_name[0] != '.' && !lstat(sub, &st) && S_ISLNK(st.st_mode))
				unlink(sub);
		}
		closedir(sd);
		if (rmdir(path) && errno != ENOTDIR && !rc)
			rc = lio_fail(errno, "cannot remove", path);
	}
	closedir(d);
	return rc;
}

/* The mapped LUNs of tpg @tpg's ACLs that lead to LUN directory @lun. */
static void unmap_lun(const char *tpg, const char *lun)
{
	char acls[PATH_MAX], acl[PATH_MAX], mlun[PATH_MAX], link[PATH_MAX];
	char want[PATH_MAX], rp[PATH_MAX];
	struct dirent *a, *m, *l;
	DIR *ad, *md, *ld;

	if (!realpath(lun, want))
		return;
	strfmt(acls, sizeof(acls), "%s/acls", tpg);
	ad = opendir(acls);
	if (!ad)
		return;
	while ((a = readdir(ad))) {
		if (a->d_name[0] == '.')
			continue;
		strfmt(acl, sizeof(acl), "%s/%s", acls, a->d_name);
		md = opendir(acl);
		if (!md)
			continue;
		while ((m = readdir(md))) {
			bool hit = false;

			if (strncmp(m->d_name, "lun_", 4))
				continue;
			strfmt(mlun, sizeof(mlun), "%s/%s", acl, m->d_name);
			ld = opendir(mlun);
			if (!ld)
				continue;
			while ((l = readdir(ld))) {
				strfmt(link, sizeof(link), "%s/%s", mlun, l->d_name);
				if (l->d_name[0] != '.' && realpath(link, rp) && !strcmp(rp, want)) {
					unlink(link);
					hit = true;
				}
			}
			closedir(ld);
			if (hit)
				rmdir(mlun);
		}
		closedir(md);
	}
	closedir(ad);
}

/* Whether directory @dir has an entry starting with @prefix. */
static bool has_child(const char *dir, const char *prefix)
{
	struct dirent *e;
	bool found = false;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return found;
}

/* Remove LUN @l, and its tpg and target when odxctl made them and they are empty. */
static int remove_lun(const struct lio_lun *l)
{
	char tgt[PATH_MAX], tpg[PATH_MAX], path[PATH_MAX], rel[PATH_MAX];
	int rc;

	strfmt(rel, sizeof(rel), "%s/%s", l->fabric, l->target);
	strfmt(tgt, sizeof(tgt), LIO_ROOT "/%s", rel);
	strfmt(tpg, sizeof(tpg), "%s/tpgt_%u", tgt, l->tpgt);
	unmap_lun(tpg, l->path);
	strfmt(path, sizeof(path), "%s/%s", l->path, l->link);
	if (unlink(path) && errno != ENOENT)
		return lio_fail(errno, "cannot unlink", path);
	if (rmdir(l->path) && errno != ENOENT)
		return lio_fail(errno, "cannot remove", l->path);

	strfmt(path, sizeof(path), "%s/lun", tpg);
	if (!lio_made(rel) || has_child(path, "lun_"))
		return 0;
	/* An iSCSI tpg: disabled, its portals and ACLs gone, before it goes. */
	strfmt(path, sizeof(path), "%s/enable", tpg);
	if (exists(path) && !strcmp(l->fabric, "iscsi"))
		lio_write(path, "0");
	strfmt(path, sizeof(path), "%s/np", tpg);
	rc = rmdir_children(path, NULL);
	strfmt(path, sizeof(path), "%s/acls", tpg);
	if (!rc)
		rc = rmdir_children(path, NULL);
	if (rc)
		return rc;
	if (rmdir(tpg) && errno != ENOENT)
		return lio_fail(errno, "cannot remove", tpg);
	if (has_child(tgt, "tpgt_"))
		return 0;
	if (rmdir(tgt) && errno != ENOENT)
		return lio_fail(errno, "cannot remove", tgt);
	lio_made_del(rel);
	return 0;
}

int cmd_unexport(int argc, char **argv)
{
	char hba[PATH_MAX];
	struct cmdline cl;
	int rc, nr, i, k, found = 0;

	cmd_init(&cl, "unexport", argc, argv, NULL, NULL, 0);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	rc = cmd_dev(&cl, "DEV (/dev/odxN, odxN or N)", 0);
	if (rc)
		return rc;
	nr = lio_core_ready(true) ? 0 : lio_scan(sos, LIO_MAX_SOS);
	if (nr < 0)
		return lio_fail(nr, "cannot read", LIO_ROOT "/core");
	for (i = 0; i < nr; i++) {
		const struct lio_so *so = &sos[i];

		if (so->index != (int)cl.dev.index)
			continue;
		found++;
		for (k = 0; k < so->nluns; k++) {
			rc = remove_lun(&so->luns[k]);
			if (rc)
				return rc;
		}
		if (so->made_device) {
			fail_rc(RC_OK, "the backstore %s/%s made %s itself (size_mb=): it stays, or %s would go with it; rmdir %s removes both",
				so->hba, so->name, cl.dev.path, cl.dev.path, so->path);
			continue;
		}
		if (rmdir(so->path))
			return lio_fail(errno, "cannot remove the backstore", so->path);
		/* Its HBA, when it holds nothing else (one object an HBA, as targetcli makes them). */
		strfmt(hba, sizeof(hba), LIO_ROOT "/core/%s", so->hba);
		rmdir(hba);
	}
	if (!found)
		return fail_rc(RC_FAIL, "%s is not exported: no LIO backstore serves it ('odxctl exports' lists them)",
			       cl.dev.path);
	return RC_OK;
}

/* ----------------------------------------------------------------------------
 * exports
 */

static struct json_object *js_lun(const struct lio_lun *l)
{
	struct json_object *o = js_object(), *ps, *us;
	char portals[1024], url[320], *p, *save = NULL;

	js_add(o, "fabric", js_str(l->fabric));
	js_add(o, "target", js_str(l->target));
	js_add(o, "tpg", js_u64(l->tpgt));
	js_add(o, "lun", js_u64(l->lun));
	if (!strcmp(l->fabric, "loopback"))
		js_add(o, "disk", js_str(l->disk));
	if (!strcmp(l->fabric, "iscsi")) {
		ps = js_array();
		us = js_array();
		lio_portals(l->target, l->tpgt, portals, sizeof(portals));
		for (p = strtok_r(portals, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
			js_add(ps, NULL, js_str(p));
			iscsi_url(p, l->target, l->lun, url, sizeof(url));
			js_add(us, NULL, js_str(url));
		}
		js_add(o, "portals", ps);
		js_add(o, "urls", us);
	}
	return o;
}

int cmd_exports(int argc, char **argv)
{
	struct json_object *top = NULL, *arr = NULL;
	char dev[32], bs[200], tpgt[16], lun[16], portals[1024];
	struct cmdline cl;
	int nr, i, k;

	cmd_init(&cl, "exports", argc, argv, NULL, NULL, CMD_JSON);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	if (cmd_end(&cl))
		return RC_USAGE;
	/* Without LIO nothing is exported: an empty list, no modprobe. */
	nr = lio_core_ready(true) ? 0 : lio_scan(sos, LIO_MAX_SOS);
	if (nr < 0)
		return lio_fail(nr, "cannot read", LIO_ROOT "/core");
	if (cl.json) {
		top = js_object();
		arr = js_array();
		js_add(top, "backstores", arr);
	} else {
		printf("%-11s %-16s %-9s %-32s %4s %4s  %s\n", "DEVICE", "BACKSTORE", "FABRIC",
		       "TARGET", "TPG", "LUN", "ACCESS");
	}
	for (i = 0; i < nr; i++) {
		const struct lio_so *so = &sos[i];

		strfmt(dev, sizeof(dev), so->index >= 0 ? "/dev/odx%d" : "-", so->index);
		strfmt(bs, sizeof(bs), "%s/%s", so->hba, so->name);
		if (cl.json) {
			struct json_object *o = js_object(), *luns = js_array();

			js_add(o, "backstore", js_str(bs));
			js_add(o, "path", js_str(so->path));
			js_add(o, "enabled", js_bool(so->index >= 0));
			if (so->index >= 0) {
				js_add(o, "device", js_str(dev));
				js_add(o, "index", js_u64(so->index));
			}
			js_add(o, "made_device", js_bool(so->made_device));
			for (k = 0; k < so->nluns; k++)
				js_add(luns, NULL, js_lun(&so->luns[k]));
			js_add(o, "luns", luns);
			js_add(arr, NULL, o);
			continue;
		}
		if (!so->nluns)
			printf("%-11s %-16s %-9s %-32s %4s %4s  %s\n", dev, bs, "-", "-", "-", "-",
			       "-");
		for (k = 0; k < so->nluns; k++) {
			const struct lio_lun *l = &so->luns[k];
			const char *access = l->disk[0] ? l->disk : "-";

			if (!strcmp(l->fabric, "iscsi") &&
			    lio_portals(l->target, l->tpgt, portals, sizeof(portals)))
				access = portals;
			strfmt(tpgt, sizeof(tpgt), "%u", l->tpgt);
			strfmt(lun, sizeof(lun), "%u", l->lun);
			printf("%-11s %-16s %-9s %-32s %4s %4s  %s\n", dev, bs, l->fabric,
			       l->target, tpgt, lun, access);
		}
	}
	if (cl.json)
		return js_print(top);
	return RC_OK;
}
