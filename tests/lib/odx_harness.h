/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx's C guest tests on the kernel's kselftest harness
 * (tools/testing/selftests/kselftest_harness.h, extracted from the kernel
 * source tarball into build/kselftest/ by tests/lib/kselftest.mk; not copied
 * into this tree).
 *
 * Include it in the one file of a test program that holds its cases, after
 * the helpers' header (odx_test.h, or a program's own CHECK/REQUIRE that
 * provides t_case_begin()/t_case_end()). Every case is a TEST_F of the
 * fixture "odxtest": the harness forks per case, enforces its timeout and
 * prints KTAP ("ok N odxtest.NAME"). (Its name prefixes the functions the
 * harness makes, odxtest_NAME: "odx" would make case ctl_remove libodx's
 * odx_ctl_remove.) The fixture connects the helpers to the harness:
 * its setup starts the case (t_case_begin(), with a REQUIRE() failure
 * aborting through the harness's longjmp), its teardown runs the deferred
 * cleanups and fails the case when any CHECK() failed.
 *
 *   ODX_CASE(fn, timeout_s)   a case named fn that runs fn(); timeout 0 = 180 s
 *   ODX_CASE_FN(name, fn, t)  a case named name that runs fn()
 *   ODX_HARNESS_MAIN          main(): the harness (-l lists, -t NAME selects)
 *
 * A program with setup shared by all its cases calls odx_harness_run(argc,
 * argv) from its own main() (the harness exits the program: clean up with
 * atexit()).
 */
#ifndef ODX_HARNESS_H
#define ODX_HARNESS_H

#include "kselftest_harness.h"

#define ODX_CASE_TIMEOUT_DEFAULT	180

static struct __test_metadata *odx_case_meta;

static void __attribute__((noreturn)) odx_case_bail(void)
{
	odx_case_meta->exit_code = KSFT_FAIL;
	__bail(1, odx_case_meta);	/* longjmp()s to the harness */
	abort();
}

FIXTURE(odxtest) {};

FIXTURE_SETUP(odxtest)
{
	odx_case_meta = _metadata;
	t_case_begin(_metadata->name, odx_case_bail);
}

FIXTURE_TEARDOWN(odxtest)
{
	if (t_case_end())
		_metadata->exit_code = KSFT_FAIL;
}

#define ODX_CASE(fn, timeout_s)						\
	TEST_F_TIMEOUT(odxtest, fn, (timeout_s) ? (timeout_s) : ODX_CASE_TIMEOUT_DEFAULT) \
	{								\
		fn();							\
	}

/* A case named name that runs fn(). */
#define ODX_CASE_FN(name, fn, timeout_s)				\
	TEST_F_TIMEOUT(odxtest, name, (timeout_s) ? (timeout_s) : ODX_CASE_TIMEOUT_DEFAULT) \
	{								\
		fn();							\
	}

/* Is argv a request to list or explain, not to run? */
static inline bool odx_harness_listing(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

#define odx_harness_run(argc, argv)	test_harness_run((argc), (argv))
#define ODX_HARNESS_MAIN	TEST_HARNESS_MAIN

#endif /* ODX_HARNESS_H */
