// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_odx: ODX token copy from an iSCSI initiator (libiscsi), for the LIO
 * suite (tests/lio/run.sh). libiscsi has no POPULATE TOKEN tool; this sends
 * T10's commands (SBC-4, SPC-4) itself:
 *
 *   iscsi_odx populate URL LBA BLOCKS TOKEN_OUT [LIST_ID]
 *	POPULATE TOKEN of BLOCKS blocks at LBA, then RECEIVE ROD TOKEN
 *	INFORMATION; the 512-byte ROD token goes to TOKEN_OUT.
 *   iscsi_odx write URL TOKEN_IN LBA BLOCKS [LIST_ID]
 *	WRITE USING TOKEN: TOKEN_IN's data (from its offset 0) to BLOCKS blocks
 *	at LBA; then RRTI says the copy succeeded and how much it moved.
 *   iscsi_odx read URL LBA BLOCKS OUT
 *	READ(16), the data to OUT (to check a copy over the fabric).
 *   iscsi_odx nexus URL LBA BLOCKS
 *	Two sessions (two ISIDs, one initiator name), so two I_T nexuses: a list
 *	identifier of one is refused by RRTI on the other (ILLEGAL REQUEST), and
 *	both may use the same list identifier, each finding its own token.
 *
 * URL: iscsi://HOST[:PORT]/TARGET-IQN/LUN. Each session gets an ISID of its
 * own (random format, fixed qualifiers), so runs are repeatable. The program
 * says what it did on stdout and why it failed on stderr; exit 0 on success,
 * 1 on failure, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define INITIATOR	"iqn.2024-01.org.odx:iscsi-odx"
#define TOKEN_LEN	512
#define PT_LEN		32		/* header 16, one range descriptor */
#define WUT_LEN		552		/* header 16, token 512, 8, one range */
#define RRTI_ALLOC	600
#define TPC_OUT		0x83
#define TPC_IN		0x84
#define SA_PT		0x10
#define SA_WUT		0x11
#define SA_RRTI		0x07
#define LIST_PT		0x50		/* default list identifiers */
#define LIST_WUT	0x51
#define LIST_NEXUS	0x60

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("iscsi_odx: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

struct sess {
	struct iscsi_context *iscsi;
	int lun;
	const char *name;
};

/* A session to URL, ISID of the random format: @rnd (bytes 1-3), @qual (4-5). */
static int sess_open(struct sess *s, const char *url, uint32_t rnd, uint32_t qual, const char *name)
{
	struct iscsi_url *u;

	s->name = name;
	s->iscsi = iscsi_create_context(INITIATOR);
	if (!s->iscsi) {
		fail("cannot make an iSCSI context");
		return -1;
	}
	u = iscsi_parse_full_url(s->iscsi, url);
	if (!u) {
		fail("bad URL %s: %s", url, iscsi_get_error(s->iscsi));
		goto out_destroy;
	}
	iscsi_set_targetname(s->iscsi, u->target);
	iscsi_set_session_type(s->iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(s->iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	iscsi_set_isid_random(s->iscsi, rnd, qual);
	s->lun = u->lun;
	if (iscsi_full_connect_sync(s->iscsi, u->portal, u->lun)) {
		fail("%s: login to %s failed: %s", name, url, iscsi_get_error(s->iscsi));
		iscsi_destroy_url(u);
		goto out_destroy;
	}
	iscsi_destroy_url(u);
	return 0;

out_destroy:
	iscsi_destroy_context(s->iscsi);
	s->iscsi = NULL;
	return -1;
}

static void sess_close(struct sess *s)
{
	if (!s->iscsi)
		return;
	iscsi_logout_sync(s->iscsi);
	iscsi_destroy_context(s->iscsi);
	s->iscsi = NULL;
}

/*
 * Send @cdb; data out @out (@out_len bytes) or data in (up to @in_len bytes).
 * Returns the task (the caller frees it) or NULL on a transport error.
 */
static struct scsi_task *sess_cmd(struct sess *s, uint8_t *cdb, int cdb_len,
				  uint8_t *out, size_t out_len, int in_len)
{
	struct iscsi_data data = { .size = out_len, .data = out };
	struct scsi_task *task;
	int dir = out ? SCSI_XFER_WRITE : in_len ? SCSI_XFER_READ : SCSI_XFER_NONE;

	task = scsi_create_task(cdb_len, cdb, dir, out ? (int)out_len : in_len);
	if (!task) {
		fail("%s: cannot make a SCSI task", s->name);
		return NULL;
	}
	if (!iscsi_scsi_command_sync(s->iscsi, s->lun, task, out ? &data : NULL)) {
		fail("%s: command 0x%02x: %s", s->name, cdb[0], iscsi_get_error(s->iscsi));
		scsi_free_scsi_task(task);
		return NULL;
	}
	return task;
}

/* GOOD, or say what the target answered. */
static int task_good(struct sess *s, struct scsi_task *task, const char *what)
{
	if (task->status == SCSI_STATUS_GOOD)
		return 0;
	if (task->status == SCSI_STATUS_CHECK_CONDITION)
		fail("%s: %s: CHECK CONDITION, %s (0x%x), ASC/ASCQ 0x%04x", s->name, what,
		     scsi_sense_key_str(task->sense.key), task->sense.key, task->sense.ascq);
	else
		fail("%s: %s: status 0x%02x", s->name, what, task->status);
	return -1;
}

static int populate_token(struct sess *s, uint64_t lba, uint32_t blocks, uint32_t list_id)
{
	uint8_t cdb[16] = { TPC_OUT, SA_PT }, pl[PT_LEN] = { };
	struct scsi_task *task;
	int ret;

	put_be32(cdb + 6, list_id);
	put_be32(cdb + 10, sizeof(pl));
	put_be16(pl, sizeof(pl) - 2);
	put_be16(pl + 14, 16);		/* one block device range descriptor */
	put_be64(pl + 16, lba);
	put_be32(pl + 24, blocks);
	task = sess_cmd(s, cdb, sizeof(cdb), pl, sizeof(pl), 0);
	if (!task)
		return -1;
	ret = task_good(s, task, "POPULATE TOKEN");
	scsi_free_scsi_task(task);
	return ret;
}

/*
 * RRTI for @list_id. Returns the task (GOOD or not; NULL on a transport
 * error); on GOOD, checks the copy operation's status and takes the token, if
 * it has one, into @token.
 */
static struct scsi_task *rrti(struct sess *s, uint32_t list_id, uint8_t *token,
			      uint64_t *count, int *has_token)
{
	uint8_t cdb[16] = { TPC_IN, SA_RRTI };
	struct scsi_task *task;
	const uint8_t *r;
	uint32_t off;

	put_be32(cdb + 2, list_id);
	put_be32(cdb + 10, RRTI_ALLOC);
	task = sess_cmd(s, cdb, sizeof(cdb), NULL, 0, RRTI_ALLOC);
	if (!task || task->status != SCSI_STATUS_GOOD)
		return task;
	r = task->datain.data;
	*has_token = 0;
	if (task->datain.size < 32 || r[5] != 0x01) {
		fail("%s: RRTI %u: %d bytes, copy operation status 0x%02x (not 0x01, success)",
		     s->name, list_id, task->datain.size,
		     task->datain.size >= 6 ? r[5] : 0);
		task->status = -1;
		return task;
	}
	*count = get_be64(r + 16);
	off = 32 + r[13];
	if ((uint32_t)task->datain.size >= off + 6 + TOKEN_LEN &&
	    get_be32(r + off) >= 2 + TOKEN_LEN) {
		memcpy(token, r + off + 6, TOKEN_LEN);
		*has_token = 1;
	}
	return task;
}

/* PT and RRTI: the token of @blocks blocks at @lba, into @token. */
static int mint(struct sess *s, uint64_t lba, uint32_t blocks, uint32_t list_id,
		uint8_t *token)
{
	struct scsi_task *task;
	uint64_t count = 0;
	int has_token = 0, ret;

	if (populate_token(s, lba, blocks, list_id))
		return -1;
	task = rrti(s, list_id, token, &count, &has_token);
	if (!task)
		return -1;
	ret = task_good(s, task, "RECEIVE ROD TOKEN INFORMATION");
	scsi_free_scsi_task(task);
	if (ret)
		return ret;
	if (!has_token) {
		fail("%s: RRTI %u has no ROD token", s->name, list_id);
		return -1;
	}
	if (count != blocks) {
		fail("%s: RRTI %u: transfer count %" PRIu64 ", not %u", s->name, list_id,
		     count, blocks);
		return -1;
	}
	return 0;
}

static int write_using_token(struct sess *s, const uint8_t *token, uint64_t lba,
			     uint32_t blocks, uint32_t list_id)
{
	uint8_t cdb[16] = { TPC_OUT, SA_WUT }, pl[WUT_LEN] = { }, tok[TOKEN_LEN];
	struct scsi_task *task;
	uint64_t count = 0;
	int has_token, ret;

	put_be32(cdb + 6, list_id);
	put_be32(cdb + 10, sizeof(pl));
	put_be16(pl, sizeof(pl) - 2);
	/* 8-15: offset into the ROD, 0 */
	memcpy(pl + 16, token, TOKEN_LEN);
	put_be16(pl + 534, 16);
	put_be64(pl + 536, lba);
	put_be32(pl + 544, blocks);
	task = sess_cmd(s, cdb, sizeof(cdb), pl, sizeof(pl), 0);
	if (!task)
		return -1;
	ret = task_good(s, task, "WRITE USING TOKEN");
	scsi_free_scsi_task(task);
	if (ret)
		return ret;
	task = rrti(s, list_id, tok, &count, &has_token);
	if (!task)
		return -1;
	ret = task_good(s, task, "RECEIVE ROD TOKEN INFORMATION after WRITE USING TOKEN");
	scsi_free_scsi_task(task);
	if (!ret && count != blocks) {
		fail("%s: WRITE USING TOKEN moved %" PRIu64 " blocks, not %u", s->name,
		     count, blocks);
		ret = -1;
	}
	return ret;
}

static int read_blocks(struct sess *s, uint64_t lba, uint32_t blocks, const char *path)
{
	uint8_t cdb[16] = { 0x88 };
	struct scsi_task *task;
	uint32_t bs = 512;
	size_t done = 0;
	FILE *f;
	int ret = -1;

	/* The block size, from READ CAPACITY(16). */
	task = iscsi_readcapacity16_sync(s->iscsi, s->lun);
	if (task && task->status == SCSI_STATUS_GOOD && task->datain.size >= 12)
		bs = get_be32(task->datain.data + 8);
	if (task)
		scsi_free_scsi_task(task);
	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, blocks);
	task = sess_cmd(s, cdb, sizeof(cdb), NULL, 0, blocks * bs);
	if (!task)
		return -1;
	if (task_good(s, task, "READ(16)"))
		goto out;
	if ((uint64_t)task->datain.size != (uint64_t)blocks * bs) {
		fail("%s: READ(16) gave %d bytes, not %u", s->name, task->datain.size,
		     blocks * bs);
		goto out;
	}
	f = fopen(path, "w");
	if (f) {
		done = fwrite(task->datain.data, 1, task->datain.size, f);
		if (fclose(f))
			done = 0;
	}
	if (done != (size_t)task->datain.size)
		fail("cannot write %s: %s", path, strerror(errno));
	else
		ret = 0;
out:
	scsi_free_scsi_task(task);
	return ret;
}

static int token_file(const char *path, uint8_t *token, int write)
{
	int fd = open(path, write ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY, 0644);
	ssize_t n;

	if (fd < 0) {
		fail("%s: %s", path, strerror(errno));
		return -1;
	}
	n = write ? pwrite(fd, token, TOKEN_LEN, 0) : pread(fd, token, TOKEN_LEN, 0);
	if (close(fd) || n != TOKEN_LEN) {
		fail("%s: not %d bytes", path, TOKEN_LEN);
		return -1;
	}
	return 0;
}

/*
 * Session @b must not see @a's list identifier LIST_NEXUS: RRTI is ILLEGAL
 * REQUEST there.
 */
static int nexus_refused(struct sess *a, struct sess *b)
{
	uint8_t t[TOKEN_LEN];
	struct scsi_task *task;
	uint64_t count;
	int has_token, ret = -1;

	task = rrti(b, LIST_NEXUS, t, &count, &has_token);
	if (!task)
		return -1;
	if (task->status == SCSI_STATUS_CHECK_CONDITION &&
	    task->sense.key == SCSI_SENSE_ILLEGAL_REQUEST) {
		printf("%s: RRTI %u of %s's: CHECK CONDITION, ILLEGAL REQUEST, ASC/ASCQ 0x%04x\n",
		       b->name, LIST_NEXUS, a->name, task->sense.ascq);
		ret = 0;
	} else {
		fail("%s: RRTI %u of %s's: status 0x%02x, not CHECK CONDITION, ILLEGAL REQUEST: the two sessions share list identifiers",
		     b->name, LIST_NEXUS, a->name, task->status);
	}
	scsi_free_scsi_task(task);
	return ret;
}

/*
 * Three sessions, one initiator name, three ISIDs: B's differs from A's in
 * the qualifier only (bytes 4-5, what an initiator varies for a second
 * session), C's in the random part (bytes 1-3). Each is its own I_T nexus:
 * A's list identifier is unknown to B and C, and B uses the same one for a
 * token of its own, which leaves A's alone.
 */
static int nexus(const char *url, uint64_t lba, uint32_t blocks)
{
	uint8_t ta[TOKEN_LEN], tb[TOKEN_LEN], t[TOKEN_LEN];
	struct sess a = { }, b = { }, c = { };
	struct scsi_task *task;
	uint64_t count;
	int has_token, ret = 0;

	if (sess_open(&a, url, 0x0d0d, 2, "session A (ISID qualifier 2)") ||
	    sess_open(&b, url, 0x0d0d, 3, "session B (ISID qualifier 3)") ||
	    sess_open(&c, url, 0x0e0e, 2, "session C (other ISID)")) {
		ret = -1;
		goto out;
	}
	if (mint(&a, lba, blocks, LIST_NEXUS, ta)) {
		ret = -1;
		goto out;
	}
	printf("%s: POPULATE TOKEN, list identifier %u: RRTI gives its token\n", a.name,
	       LIST_NEXUS);
	if (nexus_refused(&a, &c))
		ret = -1;
	if (nexus_refused(&a, &b))
		ret = -1;
	if (mint(&b, lba, blocks, LIST_NEXUS, tb)) {
		ret = -1;
		goto out;
	}
	if (!memcmp(ta, tb, TOKEN_LEN)) {
		fail("%s's token for list identifier %u is %s's", b.name, LIST_NEXUS, a.name);
		ret = -1;
	}
	task = rrti(&a, LIST_NEXUS, t, &count, &has_token);
	if (!task || task_good(&a, task, "RRTI again")) {
		ret = -1;
	} else if (!has_token || memcmp(t, ta, TOKEN_LEN)) {
		fail("%s's list identifier %u no longer gives its token after %s used it",
		     a.name, LIST_NEXUS, b.name);
		ret = -1;
	} else {
		printf("%s: list identifier %u for its own token; %s's still gives %s's\n",
		       b.name, LIST_NEXUS, a.name, a.name);
	}
	if (task)
		scsi_free_scsi_task(task);
out:
	sess_close(&c);
	sess_close(&b);
	sess_close(&a);
	return ret;
}

static int bad_usage(void)
{
	fputs("usage: iscsi_odx populate URL LBA BLOCKS TOKEN_OUT [LIST_ID]\n"
	      "       iscsi_odx write URL TOKEN_IN LBA BLOCKS [LIST_ID]\n"
	      "       iscsi_odx read URL LBA BLOCKS OUT\n"
	      "       iscsi_odx nexus URL LBA BLOCKS\n", stderr);
	return 2;
}

static int num(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *v > max) {
		fail("bad number '%s'", s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t token[TOKEN_LEN];
	uint64_t lba, blocks, list_id;
	struct sess s = { };
	const char *cmd;
	int ret = -1;

	if (argc < 5)
		return bad_usage();
	cmd = argv[1];
	if (!strcmp(cmd, "nexus")) {
		if (argc != 5 || num(argv[3], UINT64_MAX, &lba) ||
		    num(argv[4], UINT32_MAX, &blocks))
			return bad_usage();
		return nexus(argv[2], lba, blocks) ? 1 : 0;
	}
	if (!strcmp(cmd, "populate") && (argc == 6 || argc == 7)) {
		list_id = LIST_PT;
		if (num(argv[3], UINT64_MAX, &lba) || num(argv[4], UINT32_MAX, &blocks) ||
		    (argc == 7 && num(argv[6], UINT32_MAX, &list_id)))
			return bad_usage();
		if (sess_open(&s, argv[2], 0x0c0c, 1, "session"))
			return 1;
		ret = mint(&s, lba, blocks, list_id, token);
		if (!ret)
			ret = token_file(argv[5], token, 1);
		if (!ret)
			printf("POPULATE TOKEN: %" PRIu64 " blocks at LBA %" PRIu64 ", token in %s\n",
			       blocks, lba, argv[5]);
	} else if (!strcmp(cmd, "write") && (argc == 6 || argc == 7)) {
		list_id = LIST_WUT;
		if (num(argv[4], UINT64_MAX, &lba) || num(argv[5], UINT32_MAX, &blocks) ||
		    (argc == 7 && num(argv[6], UINT32_MAX, &list_id)))
			return bad_usage();
		if (token_file(argv[3], token, 0) || sess_open(&s, argv[2], 0x0c0c, 1, "session"))
			return 1;
		ret = write_using_token(&s, token, lba, blocks, list_id);
		if (!ret)
			printf("WRITE USING TOKEN: %" PRIu64 " blocks at LBA %" PRIu64 "\n",
			       blocks, lba);
	} else if (!strcmp(cmd, "read") && argc == 6) {
		if (num(argv[3], UINT64_MAX, &lba) || num(argv[4], 1 << 20, &blocks))
			return bad_usage();
		if (sess_open(&s, argv[2], 0x0c0c, 1, "session"))
			return 1;
		ret = read_blocks(&s, lba, blocks, argv[5]);
	} else {
		return bad_usage();
	}
	sess_close(&s);
	return ret ? 1 : 0;
}
