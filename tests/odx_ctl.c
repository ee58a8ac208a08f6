// SPDX-License-Identifier: GPL-2.0
/*
 * odx_ctl: a tiny client of /dev/odx-control for the guest tests.
 *
 *   odx_ctl add [--flags=N] [--reserved=N] SIZE_BYTES [BLOCK_SIZE [INDEX]]
 *	create a device and print its index. BLOCK_SIZE 0 (the default) means
 *	the module's block_size parameter; INDEX "any" (the default) lets the
 *	module pick. --reserved=N puts N in reserved[0].
 *   odx_ctl remove INDEX
 *   odx_ctl raw-ioctl CMD
 *	send an ioctl the module does not know: CMD up to 0xff is the number nr
 *	of _IO(ODX_IOC_MAGIC, nr), anything larger is sent as it is.
 *   odx_ctl null-add | null-remove
 *	send ODX_CTL_ADD / ODX_CTL_REMOVE with a NULL argument (EFAULT).
 *   odx_ctl expect-errno ERRNAME COMMAND ARGS...
 *	run COMMAND and succeed only if its ioctl fails with ERRNAME.
 *
 * Exit status: 0 on success, 1 when the ioctl failed (or, under expect-errno,
 * when it did not fail as expected), 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/odx.h>

#define CONTROL_PATH	"/dev/" ODX_CONTROL_NAME
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	int value;
} errnames[] = {
	{ "EINVAL", EINVAL }, { "EEXIST", EEXIST }, { "EBUSY", EBUSY },
	{ "ENODEV", ENODEV }, { "ENOTTY", ENOTTY }, { "ENOSPC", ENOSPC },
	{ "ENOMEM", ENOMEM }, { "EFAULT", EFAULT }, { "EPERM", EPERM },
	{ "ENXIO", ENXIO }, { "EACCES", EACCES },
};

static const char *errname(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].value == err)
			return errnames[i].name;
	return "E?";
}

static int errvalue(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (!strcmp(errnames[i].name, name))
			return errnames[i].value;
	return -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: odx_ctl add [--flags=N] [--reserved=N] SIZE_BYTES [BLOCK_SIZE [INDEX]]\n"
		"       odx_ctl remove INDEX\n"
		"       odx_ctl raw-ioctl CMD\n"
		"       odx_ctl null-add | null-remove\n"
		"       odx_ctl expect-errno ERRNAME COMMAND ARGS...\n");
	exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "odx_ctl: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static uint32_t parse_u32(const char *s, const char *what)
{
	uint64_t v = parse_u64(s, what);

	if (v > UINT32_MAX) {
		fprintf(stderr, "odx_ctl: %s '%s' does not fit in 32 bits\n", what, s);
		exit(2);
	}
	return v;
}

static int open_control(void)
{
	int fd = open(CONTROL_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "odx_ctl: %s: %s\n", CONTROL_PATH, strerror(errno));
		exit(1);
	}
	return fd;
}

/*
 * Run one command. Returns 0 when its ioctl succeeded, else the errno of the
 * failed ioctl. Prints what it made (the new index) on stdout.
 */
static int run(int argc, char **argv)
{
	const char *cmd = argv[0];
	int fd, ret, i;

	if (!strcmp(cmd, "add")) {
		struct odx_device_params p;

		memset(&p, 0, sizeof(p));
		p.index = ODX_INDEX_ANY;
		for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
			if (!strncmp(argv[i], "--flags=", 8))
				p.flags = parse_u32(argv[i] + 8, "flags");
			else if (!strncmp(argv[i], "--reserved=", 11))
				p.reserved[0] = parse_u32(argv[i] + 11, "reserved");
			else
				usage();
		}
		argc -= i;
		argv += i;
		if (argc < 1 || argc > 3)
			usage();
		p.size_bytes = parse_u64(argv[0], "size");
		if (argc > 1)
			p.block_size = parse_u32(argv[1], "block size");
		if (argc > 2 && strcmp(argv[2], "any"))
			p.index = parse_u32(argv[2], "index");

		fd = open_control();
		ret = ioctl(fd, ODX_CTL_ADD, &p);
		if (ret == 0)
			printf("%u\n", p.index);
	} else if (!strcmp(cmd, "remove")) {
		uint32_t index;

		if (argc != 2)
			usage();
		index = parse_u32(argv[1], "index");
		fd = open_control();
		ret = ioctl(fd, ODX_CTL_REMOVE, &index);
	} else if (!strcmp(cmd, "raw-ioctl")) {
		unsigned char buf[4096];
		unsigned long nr;

		if (argc != 2)
			usage();
		nr = parse_u32(argv[1], "ioctl");
		if (nr <= 0xff)
			nr = _IO(ODX_IOC_MAGIC, nr);
		memset(buf, 0, sizeof(buf));
		fd = open_control();
		ret = ioctl(fd, nr, buf);
	} else if (!strcmp(cmd, "null-add") || !strcmp(cmd, "null-remove")) {
		if (argc != 1)
			usage();
		fd = open_control();
		ret = ioctl(fd, !strcmp(cmd, "null-add") ? ODX_CTL_ADD : ODX_CTL_REMOVE,
			    NULL);
	} else {
		usage();
	}
	ret = ret ? errno : 0;
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	int want, got;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "expect-errno")) {
		got = run(argc - 1, argv + 1);
		if (got) {
			fprintf(stderr, "odx_ctl: %s: %s (%s)\n", argv[1], strerror(got),
				errname(got));
			return 1;
		}
		return 0;
	}

	if (argc < 4)
		usage();
	want = errvalue(argv[2]);
	if (want < 0) {
		fprintf(stderr, "odx_ctl: unknown errno name '%s'\n", argv[2]);
		return 2;
	}
	got = run(argc - 3, argv + 3);
	if (got == want)
		return 0;
	if (got)
		fprintf(stderr, "odx_ctl: %s: expected %s, got %s (%s)\n", argv[3],
			argv[2], errname(got), strerror(got));
	else
		fprintf(stderr, "odx_ctl: %s: expected %s, but it succeeded\n", argv[3],
			argv[2]);
	return 1;
}
