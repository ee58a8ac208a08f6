# SPDX-License-Identifier: GPL-2.0
#
# odx: `make` builds the module (for KERNEL=debug by default; debian-6.1 and
# debian-6.12 are the stock Debian kernels) and the test programs; `make test` runs
# every test; `make run` is the demo. `make setup` installs the packages; only
# `make run`, `make test` and `make bench` run it for you (the demo installs just
# what it uses and builds no kernel). `make deb` builds odx-dkms and odx-utils.
#
# The module itself is plain Kbuild: `make -C $KDIR M=$PWD` works too; the
# scripts build in build/<kernel>/ so the three kernels do not clobber each other.

KERNEL ?= debug

.PHONY: all setup module tests test kunit check fuzz bench run deb install clean help

all: module tests

setup:
	@scripts/setup.sh

module:
	@scripts/build-module.sh $(KERNEL)

tests:
	@$(MAKE) -s -C tests
	@$(MAKE) -s -C tests/token
	@$(MAKE) -s -C tests/hardening
	@$(MAKE) -s -C tests/scsi
	@$(MAKE) -s -C tests/lio
	@$(MAKE) -s -C tools

test:
	@scripts/test.sh

kunit:
	@scripts/kunit.sh

check:
	@scripts/check.sh checkpatch && scripts/check.sh sparse

fuzz:
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} scripts/host-tests/fuzz-dsm.sh

bench:
	@scripts/setup.sh --bench
	@scripts/bench.sh

run:
	@scripts/setup.sh --demo
	@scripts/demo.sh

deb:
	@scripts/mkdeb.sh

install:
	@$(MAKE) -C tools install

clean:
	rm -rf build

help:
	@sed -n '3,11p' Makefile
