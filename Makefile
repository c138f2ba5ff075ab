# dsk — top-level build.
#
#   make            the three programs and the libraries, in build/
#   make check      unit suites (plain and under ASan+UBSan), protocol and
#                   cluster suites with real daemons on loopback, and (as root)
#                   a cluster across network namespaces (tests/check_netns.sh)
#   make deps       installs the Debian packages the build and tests need
#                   (as root), or prints the apt-get line
#   make install    PREFIX=/usr/local DESTDIR= (programs, man pages, units, configs, Python)
#   make uninstall  the same PREFIX and DESTDIR: removes what install wrote, never keys
#   make demo       a local cluster, its status
#   make fuzz       libFuzzer on every decoder of outside bytes (clang), FUZZ_SECONDS each
#
# Everything is built out of tree in build/ (build/asan/ for sanitizers).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

CC      ?= cc
PKGS    := libzmq msgpack jansson openblas libpcre2-8 zlib libxxhash
CHECKPKG := check
# libmicrohttpd: only dskd-scheduler links it (its dashboard, scheduler/sch_http.c)
HTTPPKG := libmicrohttpd
HTTP_CFLAGS := $(shell pkg-config --cflags $(HTTPPKG) 2>/dev/null)
HTTP_LIBS   := $(shell pkg-config --libs $(HTTPPKG) 2>/dev/null)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags $(CHECKPKG) 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs $(CHECKPKG) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS  ?= -O2 -g
# The layers, bottom up (docs/architecture.md; tests/check_layout.sh keeps them):
# common, proto, ml (by subject), jobs, then client, scheduler, worker, submit.
ML_DIRS    := ml ml/core ml/text ml/linear ml/svm ml/select ml/io
INCLUDES   := -Icommon -Iproto $(addprefix -I,$(ML_DIRS)) -Ijobs -Iclient -Isubmit \
              -Ischeduler -Iworker
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(INCLUDES) -MMD -MP
LDLIBS  := $(PKG_LIBS) -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

COMMON_SRC := $(wildcard common/*.c)
ML_SRC     := $(foreach d,$(ML_DIRS),$(wildcard $(d)/*.c))
JOBS_SRC   := $(wildcard jobs/*.c)
PROTO_SRC  := $(wildcard proto/*.c)
CLIENT_SRC := $(wildcard client/*.c)
SCHED_SRC  := $(wildcard scheduler/*.c)
WORKER_SRC := $(wildcard worker/*.c)
SUBMIT_SRC := $(wildcard submit/*.c)
KEYGEN_SRC := $(wildcard keygen/*.c)
UNIT_SRC   := $(wildcard tests/unit/check_*.c)
# The simulator drives the scheduler's engine and the worker's bookkeeping without sockets.
SCHED_CORE_SRC := $(filter-out scheduler/main.c scheduler/sch_server.c scheduler/sch_http.c,$(SCHED_SRC))
WORKER_CORE_SRC := worker/wrk_tasks.c worker/wrk_store.c worker/wrk_task.c worker/wrk_spill.c
SIM_SRC    := $(wildcard tests/sim/*.c)
CLUSTER_SRC := $(wildcard tests/cluster/*.c)
PARITY_SRC := $(wildcard tests/parity/check_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
asan_obj = $(patsubst %.c,$(BUILD)/asan/%.o,$(1))

LIBDSK     := $(BUILD)/libdsk.a
LIBDSK_ASAN := $(BUILD)/asan/libdsk.a
LIBML      := $(BUILD)/libdskml.a
LIBML_ASAN := $(BUILD)/asan/libdskml.a
LIBJOBS    := $(BUILD)/libdskjobs.a
LIBJOBS_ASAN := $(BUILD)/asan/libdskjobs.a
PROGRAMS   := $(BUILD)/dskd-scheduler $(BUILD)/dskd-worker $(BUILD)/dsk-submit $(BUILD)/dsk-keygen
UNIT       := $(BUILD)/check_unit
UNIT_ASAN  := $(BUILD)/asan/check_unit
CLUSTER    := $(BUILD)/check_cluster
PARITY     := $(BUILD)/check_parity
SIM        := $(BUILD)/dsk-sim
SIM_ASAN   := $(BUILD)/asan/dsk-sim
# Seeds `make check` simulates (`make sim SEEDS=1000000` runs many more).
SIM_SEEDS  ?= 3000
SEEDS      ?= 100000

.PHONY: fuzz-build bench-e2e bench-netns bench-notebook check-python all check check-layout check-unit check-asan check-cluster check-parity check-sim check-systemd check-netns check-slurm check-image check-install deps deps-bench deps-build demo install uninstall clean bench fuzz sim
all: $(PROGRAMS) $(LIBDSK) $(LIBML) $(LIBJOBS) $(SIM)

# libdsk: common + proto + client API, the code every program shares.
$(LIBDSK): $(call obj,$(COMMON_SRC) $(PROTO_SRC) $(CLIENT_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(LIBDSK_ASAN): $(call asan_obj,$(COMMON_SRC) $(PROTO_SRC) $(CLIENT_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# libdskml: estimators, matrices, loaders, search spaces, model files.
$(LIBML): $(call obj,$(ML_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(LIBML_ASAN): $(call asan_obj,$(ML_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# libdskjobs: job files, search plans, task bodies, split-fit stages, predict chunks,
# data as bytes: what turns a job into work and results, on top of libdskml.
$(LIBJOBS): $(call obj,$(JOBS_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(LIBJOBS_ASAN): $(call asan_obj,$(JOBS_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/dskd-scheduler: $(call obj,$(SCHED_SRC)) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(HTTP_LIBS) $(LDLIBS)

# The dashboard's page (one self-contained HTML file) as a C string: each line
# quoted, backslashes and quotes escaped.
$(BUILD)/gen/sch_dash_page.h: scheduler/sch_dash_page.html
	@mkdir -p $(@D)
	{ echo '/* generated from scheduler/sch_dash_page.html by the Makefile: do not edit */'; \
	  echo 'static const char sch_dash_page[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@.tmp
	mv $@.tmp $@

$(BUILD)/scheduler/sch_http.o: scheduler/sch_http.c $(BUILD)/gen/sch_dash_page.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(HTTP_CFLAGS) -I$(BUILD)/gen -c -o $@ $<

$(BUILD)/dskd-worker: $(call obj,$(WORKER_SRC)) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/dsk-submit: $(call obj,$(SUBMIT_SRC)) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/dsk-keygen: $(call obj,$(KEYGEN_SRC)) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The unit runner adds every `Suite *dsk_*_suite(void)` found in tests/unit/check_*.c.
$(BUILD)/tests/suites.h: $(UNIT_SRC)
	@mkdir -p $(@D)
	sed -n 's/^Suite \*\(dsk_[a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' $(UNIT_SRC) > $@.tmp
	mv $@.tmp $@

$(BUILD)/tests/unit/check_main.o $(BUILD)/asan/tests/unit/check_main.o: $(BUILD)/tests/suites.h

# the scheduler's parts with a unit suite of their own (tests/unit/check_sch_*.c)
SCHED_UNIT_SRC := scheduler/sch_tasklog.c

$(UNIT): $(call obj,$(UNIT_SRC) tests/unit/check_main.c $(WORKER_CORE_SRC) $(SCHED_UNIT_SRC)) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(UNIT_ASAN): $(call asan_obj,$(UNIT_SRC) tests/unit/check_main.c $(WORKER_CORE_SRC) $(SCHED_UNIT_SRC)) $(LIBJOBS_ASAN) $(LIBML_ASAN) $(LIBDSK_ASAN)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The parity runner: scikit-learn's answers (tests/parity/golden/) on the
# real data in $$DSK_DATA_HOME; its suite list is generated the same way.
$(BUILD)/tests/parity/suites.h: $(PARITY_SRC)
	@mkdir -p $(@D)
	sed -n 's/^Suite \*\(dsk_[a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' $(PARITY_SRC) /dev/null > $@.tmp
	mv $@.tmp $@

# The same runner source as the unit runner, built against the parity list.
$(BUILD)/tests/parity/parity_main.o: tests/unit/check_main.c $(BUILD)/tests/parity/suites.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests/parity -c -o $@ $<

$(PARITY): $(call obj,$(PARITY_SRC) tests/parity/parity_util.c) $(BUILD)/tests/parity/parity_main.o $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(SIM): $(call obj,$(SIM_SRC) $(SCHED_CORE_SRC) $(WORKER_CORE_SRC)) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(SIM_ASAN): $(call asan_obj,$(SIM_SRC) $(SCHED_CORE_SRC) $(WORKER_CORE_SRC)) $(LIBJOBS_ASAN) $(LIBML_ASAN) $(LIBDSK_ASAN)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(CLUSTER): $(call obj,$(CLUSTER_SRC)) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) $(CHECK_CFLAGS) -I$(BUILD)/tests -c -o $@ $<

check: deps
	$(MAKE) check-layout check-unit check-asan check-sim check-parity check-systemd check-netns check-slurm check-install check-cluster check-python

# The layers, one header per module, no include cycle (docs/architecture.md).
check-layout:
	sh tests/check_layout.sh

check-unit: $(UNIT)
	$(UNIT)

check-asan: $(UNIT_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(UNIT_ASAN)

# The deterministic simulation: SIM_SEEDS seeds on two processes, and a few
# hundred under AddressSanitizer and UndefinedBehaviorSanitizer.
check-sim: $(SIM) $(SIM_ASAN)
	$(SIM) --seeds $(SIM_SEEDS) --jobs 2
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(SIM_ASAN) --seeds 300 --from 1000001

# Many more seeds, on every core: make sim SEEDS=1000000
sim: $(SIM)
	$(SIM) --seeds $(SEEDS) --from 1 --jobs $$(nproc)

# The data home defaults to ../shared/data (the layout CI and the team use).
check-parity: $(PARITY)
	DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} $(PARITY)

check-cluster: $(CLUSTER) $(PROGRAMS)
	DSK_BIN=$(BUILD) DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} $(CLUSTER)

# The Python package (python/dsk) against real daemons, with Debian's python3-* packages.
PYTHON ?= /usr/bin/python3
# where make install puts it: Debian's path for /usr, its versioned one for /usr/local
PYTHON_SITE ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)/dist-packages)
check-python: $(PROGRAMS)
	PYTHONPATH=python DSK_BIN=$(BUILD) DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} \
	    PYDEVD_DISABLE_FILE_VALIDATION=1 $(PYTHON) -m pytest -q -p no:cacheprovider python/tests

check-systemd: $(PROGRAMS)
	sh tests/check_systemd.sh $(BUILD)

# A cluster of three network namespaces set up with docs/deploy.md's commands,
# CURVE on; a worker's link cut mid-job (root and iproute2; skipped otherwise).
check-netns: $(PROGRAMS)
	DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} sh tests/check_netns.sh $(BUILD)

# docs/deploy.md's Slurm batch script under sbatch on a real Slurm whose three
# nodes are network namespaces (root and Slurm from `make deps`; skipped otherwise).
check-slurm: $(PROGRAMS)
	DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} sh tests/check_slurm.sh $(BUILD)

# The Dockerfile and docs/deploy.md's "Containers" without a container engine:
# applied to a debootstrap'd Debian 12, its docker run lines as chroots on three
# namespaces (root and debootstrap; downloads Debian: not part of check).
check-image: $(PROGRAMS)
	DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} sh tests/check_image.sh $(BUILD)

# make install into a scratch DESTDIR: every file where it belongs, the man
# pages render without a warning, and make uninstall takes it all back.
check-install: $(PROGRAMS)
	sh tests/check_install.sh $(BUILD)

deps:
	@sh conf/deps.sh

demo: deps
	$(MAKE) all
	sh examples/demo.sh $(BUILD)

# Benchmarks against the reference stack (needs python3-sklearn: `make deps-bench`).
# BENCH_REPLICATE copies of digits feed the SVC predict (1000 = 1.8 M rows).
BENCH_REPLICATE ?= 1000
$(BUILD)/bench_ml: $(call obj,bench/ml/bench_ml.c) $(LIBJOBS) $(LIBML) $(LIBDSK)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bench: deps-bench $(BUILD)/bench_ml $(PROGRAMS)
	sh bench/ml/run.sh $(BUILD) $(BENCH_REPLICATE)
	sh bench/e2e/run.sh $(BUILD) $(BENCH_REPLICATE)
	sh bench/predict/run.sh $(BUILD)
	PATH=$(CURDIR)/$(BUILD):$$PATH $(PYTHON) bench/notebook/bench_backends.py
	sh bench/netns/run.sh $(BUILD) $(BENCH_NETNS_GRID)

# Loopback against a scheduler and 2 workers in network namespaces, bare and
# shaped links (as root; BENCH_NETNS_GRID=full for the whole 20-category grid).
BENCH_NETNS_GRID ?= subset
bench-netns: $(PROGRAMS)
	DSK_DATA_HOME=$${DSK_DATA_HOME:-$(CURDIR)/../shared/data} sh bench/netns/run.sh $(BUILD) $(BENCH_NETNS_GRID)

# Only the notebook's searches through joblib's "dsk" and "dask" backends.
bench-notebook: deps-bench $(PROGRAMS)
	PATH=$(CURDIR)/$(BUILD):$$PATH $(PYTHON) bench/notebook/bench_backends.py

# Only the end-to-end half (dsk and scikit-learn + dask.distributed on whole jobs).
bench-e2e: deps-bench $(PROGRAMS)
	sh bench/e2e/run.sh $(BUILD) $(BENCH_REPLICATE)

deps-bench:
	@sh conf/deps.sh bench

# Only what building and installing the programs needs (the container image).
deps-build:
	@sh conf/deps.sh build


# libFuzzer on every decoder of outside bytes (tests/fuzz/fuzz_*.c; needs clang and
# libclang-rt: `make deps`), ASan+UBSan, each target FUZZ_SECONDS (60) from its seed corpus
# in tests/fuzz/corpus/; a crash or a leak fails (tests/fuzz/run.sh).
FUZZ_SECONDS ?= 60
FUZZ_CC    ?= clang
FUZZ_SAN   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_LIB_SRC := $(COMMON_SRC) $(PROTO_SRC) $(ML_SRC) $(JOBS_SRC) scheduler/sch_journal.c
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz_obj = $(patsubst %.c,$(BUILD)/fuzz/%.o,$(1))

$(BUILD)/fuzz/libdskfuzz.a: $(call fuzz_obj,$(FUZZ_LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	    $(PKG_CFLAGS) $(INCLUDES) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/libdskfuzz.a
	$(FUZZ_CC) -g -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz: $(FUZZ_TARGETS)
	sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

# The man pages (docs/man/), gzipped as Debian ships them: -n keeps the
# name and time stamp out, so the same page gives the same bytes.
MANDIR    := $(PREFIX)/share/man
MAN_PAGES := dsk-submit.1 dsk-keygen.1 dsk-job.5 dskd-scheduler.8 dskd-worker.8
MAN_GZ    := $(addprefix $(BUILD)/man/,$(addsuffix .gz,$(MAN_PAGES)))
# where each lands: dsk-job.5 -> $(MANDIR)/man5/dsk-job.5.gz
MAN_INSTALLED := $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m).gz)

$(BUILD)/man/%.gz: docs/man/%
	@mkdir -p $(@D)
	gzip -9n -c $< > $@.tmp
	mv $@.tmp $@

install: $(PROGRAMS) $(MAN_GZ)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)/etc/dsk
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	sed 's|@BINDIR@|$(PREFIX)/bin|g' systemd/dskd-scheduler.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/dskd-scheduler.service
	sed 's|@BINDIR@|$(PREFIX)/bin|g' systemd/dskd-worker@.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/dskd-worker@.service
	install -m 0644 conf/dskd-scheduler.conf conf/dskd-worker.conf $(DESTDIR)/etc/dsk/
	install -d -m 0755 $(DESTDIR)/etc/dsk/keys $(DESTDIR)/etc/dsk/keys/workers $(DESTDIR)/etc/dsk/keys/clients
	install -d $(DESTDIR)$(PYTHON_SITE)/dsk
	install -m 0644 python/dsk/*.py $(DESTDIR)$(PYTHON_SITE)/dsk/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(filter %.1.gz,$(MAN_GZ)) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(filter %.5.gz,$(MAN_GZ)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(filter %.8.gz,$(MAN_GZ)) $(DESTDIR)$(MANDIR)/man8/

# Removes what install wrote, file by file, given the same PREFIX and DESTDIR.
# It never touches /etc/dsk/keys (the key pairs and allow-lists people made
# there; its directories stay too) nor the scheduler's journal in
# /var/lib/dsk, which install never wrote. The two configs go even if edited:
# install overwrites them the same way. With the Python modules goes the
# bytecode Python wrote beside them, and then their dsk/ directory: left
# empty on Python's path it would still import, as an empty namespace package.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGRAMS)))
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/dskd-scheduler.service \
	      $(DESTDIR)$(PREFIX)/lib/systemd/system/dskd-worker@.service
	rm -f $(DESTDIR)/etc/dsk/dskd-scheduler.conf $(DESTDIR)/etc/dsk/dskd-worker.conf
	rm -f $(addprefix $(DESTDIR),$(MAN_INSTALLED))
	rm -f $(addprefix $(DESTDIR)$(PYTHON_SITE)/dsk/,$(notdir $(wildcard python/dsk/*.py)))
	rm -rf $(DESTDIR)$(PYTHON_SITE)/dsk/__pycache__
	if [ -d $(DESTDIR)$(PYTHON_SITE)/dsk ]; then \
	    rmdir --ignore-fail-on-non-empty $(DESTDIR)$(PYTHON_SITE)/dsk; fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
