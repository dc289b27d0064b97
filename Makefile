# klaxon - one non-recursive Makefile.
#
#   make            build build/klaxon
#   make deps       install missing Debian packages (checks first; quick when all is there)
#   make demo       build and run klaxon on the bundled example config and logs
#   make check      unit tests, the same under ASan+UBSan, integration tests
#   make bench      throughput figures beside wc -l
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (clang)
#   make install    DESTDIR, PREFIX
#
# Each test binary links only the modules in its test_<name>_DEPS line: an
# undefined symbol there is a layering bug (parsers/ uses libc only, rules/
# adds parsers/ and pcre2, agent/ wires everything).

SHELL    := /bin/bash
PKGS     := libconfig libcurl libpcre2-8 jansson zlib sqlite3 libsystemd \
	libmicrohttpd
B        ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
LDFLAGS  ?=
PREFIX   ?= /usr
FUZZ_SECONDS ?= 30

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	-Wformat=2 -Wvla -Wimplicit-fallthrough -fno-common

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ISAL_LIBS  = $(shell pkg-config --exists libisal 2>/dev/null && pkg-config --libs libisal)
ISAL_FLAGS = $(shell pkg-config --exists libisal 2>/dev/null && echo -DHAVE_ISAL)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(ISAL_FLAGS) $(WARN) \
	-fstack-protector-strong $(CFLAGS)

PARSERS_SRC := $(wildcard parsers/*.c)
RULES_SRC   := $(wildcard rules/*.c)
AGENT_SRC   := $(wildcard agent/*.c)
SRC         := $(PARSERS_SRC) $(RULES_SRC) $(AGENT_SRC)
OBJ         := $(patsubst %.c,$(B)/%.o,$(SRC))

UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

# --- per-test link lines (object stems, without $(B)/ and .o) -------------
# A module may be split into several files (ts.c + tz.c, expr.c +
# expr_parse.c, ...): stems() names all the files of a module.
stems = $(basename $(foreach m,$(1),$(wildcard $(m).c $(m)_*.c)))
PARSE_CORE := parsers/field $(call stems,parsers/ts parsers/tz)
LOGFORMAT  := $(call stems,parsers/logformat)
test_field_DEPS           := parsers/field
test_ts_DEPS              := $(call stems,parsers/ts parsers/tz)
test_logformat_DEPS       := $(LOGFORMAT) $(PARSE_CORE)
test_nginx_access_DEPS    := parsers/nginx_access $(LOGFORMAT) $(PARSE_CORE)
test_gunicorn_access_DEPS := parsers/gunicorn_access $(LOGFORMAT) $(PARSE_CORE)
test_nginx_error_DEPS     := parsers/nginx_error $(PARSE_CORE)
test_gunicorn_error_DEPS  := parsers/gunicorn_error $(PARSE_CORE)
test_uwsgi_DEPS           := parsers/uwsgi $(PARSE_CORE)
ALL_PARSERS := $(patsubst %.c,%,$(PARSERS_SRC))
ALL_RULES   := $(patsubst %.c,%,$(RULES_SRC))
AGENT_LIB   := $(filter-out agent/main,$(patsubst %.c,%,$(AGENT_SRC)))
test_parser_DEPS   := $(ALL_PARSERS)
test_ingest_DEPS   := agent/ingest $(ALL_PARSERS)
test_tail_DEPS     := agent/tail agent/reader agent/gunzip agent/log $(PARSE_CORE)
test_records_DEPS  := agent/records agent/reader agent/gunzip \
	parsers/gunicorn_error $(PARSE_CORE)
test_expr_DEPS     := $(call stems,rules/expr) $(ALL_PARSERS)
test_window_DEPS   := $(call stems,rules/window rules/sketch rules/distinct)
test_sketch_DEPS   := $(call stems,rules/sketch)
test_distinct_DEPS := $(call stems,rules/distinct)
test_engine_DEPS   := $(ALL_RULES) $(ALL_PARSERS)
test_conf_DEPS     := $(AGENT_LIB) $(ALL_RULES) $(ALL_PARSERS)
test_template_DEPS := $(ALL_RULES) $(ALL_PARSERS)

.PHONY: all deps deps-build deps-fuzz demo check unit examples asan integration bench fuzz \
	install clean format lint
.DEFAULT_GOAL := all

all: $(B)/klaxon

$(B)/klaxon: $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(ISAL_LIBS) -lm -lpthread

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP -c $< -o $@

.SECONDARY:
.SECONDEXPANSION:
$(B)/tests/test_%: $(B)/tests/test_%.o $$(addprefix $(B)/,$$(addsuffix .o,$$(test_$$*_DEPS)))
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) $(ISAL_LIBS) -lm -lpthread

# --- dependencies: Debian packages, installed only when missing ----------
DEB_BUILD := build-essential pkg-config libpcre2-dev libcurl4-openssl-dev \
	libconfig-dev libcmocka-dev zlib1g-dev libjansson-dev libisal-dev \
	libsqlite3-dev libsystemd-dev libmicrohttpd-dev
DEB_TEST  := nginx gunicorn python3-gunicorn python3-gevent uwsgi-core \
	uwsgi-plugin-python3 curl procps python3 logrotate sqlite3
DEB_FUZZ  := clang libclang-rt-14-dev
DEB_BENCH := isal gzip mawk
deps:
	@tests/deps.sh $(DEB_BUILD) $(DEB_TEST)
deps-build:
	@tests/deps.sh $(DEB_BUILD)
deps-fuzz:
	@tests/deps.sh $(DEB_BUILD) $(DEB_FUZZ)

# --- the two README commands --------------------------------------------
demo: deps-build
	@$(MAKE) --no-print-directory all
	@packaging/examples/demo.sh $(B)/klaxon

check: deps
	@$(MAKE) --no-print-directory all unit examples
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory integration
	@tests/summary.sh $(B)/unit.log $(B)/examples.log build-asan/unit.log \
	    build-asan/examples.log $(B)/integration.log

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(B) $(UNIT_BIN) | tee $(B)/unit.log; \
	    exit $${PIPESTATUS[0]}

# klaxon's own commands on the shipped files: golden `klaxon check` output
# for broken configs (and of the command line itself), every option
# documented in --help and the man page, the README's and the man page's
# worked test examples, `make install` and the installed examples, the
# default and demo configs, `klaxon test` for every example rule, and
# the dry-run checks (so that `make asan` runs the
# reader threads and the replay under the sanitizers too).
examples: $(B)/klaxon
	@set -o pipefail; { tests/check/run.sh $(B)/klaxon && \
	    tests/check/options.sh $(B)/klaxon && \
	    tests/check/doc_examples.sh $(B)/klaxon && \
	    tests/install.sh $(B) && \
	    $(B)/klaxon check -c packaging/etc/klaxon.conf && \
	    $(B)/klaxon check -c packaging/examples/klaxon.conf && \
	    $(B)/klaxon test packaging/examples/tests/*.test.conf | \
	    sed 's/^klaxon test:/examples:/' && \
	    KLAXON=$(CURDIR)/$(B)/klaxon bash tests/integration/test_dryrun.sh && \
	    KLAXON=$(CURDIR)/$(B)/klaxon bash tests/integration/test_dryrun_time.sh && \
	    KLAXON=$(CURDIR)/$(B)/klaxon bash tests/integration/test_dryrun_inputs.sh; \
	    } 2>&1 | tee $(B)/examples.log

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g $(SAN)" \
	    LDFLAGS="$(SAN)" unit examples

integration: all
	@tests/integration/run.sh $(B)/klaxon | tee $(B)/integration.log; \
	    exit $${PIPESTATUS[0]}

# --- benchmarks -----------------------------------------------------------
bench: deps all $(B)/tests/bench_parse $(B)/tests/bench_engine
	@tests/deps.sh $(DEB_BENCH)
	@tests/bench/run.sh $(B)

$(B)/tests/bench_parse: tests/bench/bench_parse.c $(addprefix $(B)/,$(addsuffix .o,$(ALL_PARSERS)))
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $^ -lm

$(B)/tests/bench_engine: tests/bench/bench_engine.c $(addprefix $(B)/,$(addsuffix .o,$(AGENT_LIB) $(ALL_RULES) $(ALL_PARSERS)))
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $^ $(PKG_LIBS) $(ISAL_LIBS) -lm -lpthread

# --- fuzzing (clang + libFuzzer) -------------------------------------------
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(ISAL_FLAGS) -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory CC=clang $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

FUZZ_OBJ := $(patsubst %.c,build-fuzz/%.o,$(filter-out agent/main.c,$(SRC)))
build-fuzz/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS) $(ISAL_LIBS) \
	    -lm -lpthread

# --- install and housekeeping ----------------------------------------------
# The example config, rules and their tests go where the shipped config
# says (DOCDIR/examples), with the default config beside them in
# DOCDIR/etc, where the tests' `config = "../../etc/klaxon.conf"` finds
# it. tests/install.sh checks the result under a scratch DESTDIR.
DOCDIR ?= $(PREFIX)/share/doc/klaxon
EX     := packaging/examples
install: all
	install -D -m 0755 $(B)/klaxon $(DESTDIR)$(PREFIX)/bin/klaxon
	install -D -m 0644 packaging/man/klaxon.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/klaxon.8
	install -d $(DESTDIR)$(DOCDIR)/etc $(DESTDIR)$(DOCDIR)/examples/rules \
	    $(DESTDIR)$(DOCDIR)/examples/tests $(DESTDIR)$(DOCDIR)/examples/logs
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 packaging/etc/klaxon.conf $(DESTDIR)$(DOCDIR)/etc/
	install -m 0644 $(EX)/README.md $(EX)/klaxon.conf \
	    $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 $(EX)/rules/*.conf $(DESTDIR)$(DOCDIR)/examples/rules/
	install -m 0644 $(EX)/tests/*.test.conf \
	    $(DESTDIR)$(DOCDIR)/examples/tests/
	install -m 0644 $(EX)/logs/* $(DESTDIR)$(DOCDIR)/examples/logs/

format:
	clang-format -i $(SRC) $(wildcard */*.h) $(UNIT_SRC) $(FUZZ_SRC)

lint:
	clang-format --dry-run -Werror $(SRC) $(wildcard */*.h)

clean:
	rm -rf build build-asan build-fuzz

-include $(OBJ:.o=.d) $(UNIT_BIN:=.d) $(wildcard build-fuzz/*/*.d)
