# ocsp-proxy: build, test, run and install. `make help` lists the targets.
PREFIX      ?= /usr/local
DESTDIR     ?=
BUILD       ?= build
CC          ?= cc
CFLAGS      ?= -O2 -g
SAN         ?=

# The handler links libcrypto and hiredis only: libcurl is dlopen()ed on a miss
# (lib/fetch.c) and the journal is spoken to directly (lib/log.c), so a cache
# hit never pays for loading them.
PKG_CORE    := libcrypto hiredis
PKG_CFLAGS  := $(shell pkg-config --cflags libcrypto hiredis libcurl libsystemd 2>/dev/null)
LIBS_CORE   := $(shell pkg-config --libs $(PKG_CORE) 2>/dev/null)
# STATIC=1 links libcrypto and hiredis into the handler (Debian ships the .a files): start-up
# then skips their dynamic relocation, about half of what a cache hit costs. Off by default so
# the distribution's security updates of those libraries reach the handler without a rebuild.
ifeq ($(STATIC),1)
LIBS_HANDLER := -Wl,-Bstatic -lcrypto -lhiredis -Wl,-Bdynamic -lpthread
else
LIBS_HANDLER := $(LIBS_CORE)
endif
LIBS_SYSTEMD:= $(shell pkg-config --libs libsystemd 2>/dev/null)

override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes \
	-Ilib $(PKG_CFLAGS) $(SAN) -MMD -MP
override LDFLAGS += $(SAN)

LIB_SRC     := $(wildcard lib/*.c)
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)
HANDLER_SRC := $(wildcard handler/*.c)
HANDLER_OBJ := $(HANDLER_SRC:%.c=$(BUILD)/%.o)
SCHED_SRC   := $(wildcard scheduler/*.c)
SCHED_OBJ   := $(SCHED_SRC:%.c=$(BUILD)/%.o)
CTL_SRC     := $(wildcard ctl/*.c)
CTL_OBJ     := $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC  := $(wildcard tests/helpers/*.c)
HELPER_BIN  := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

PROGRAMS    := $(BUILD)/ocsp-proxy-handler
ifneq ($(SCHED_SRC),)
PROGRAMS    += $(BUILD)/ocsp-proxy-scheduler
endif
ifneq ($(CTL_SRC),)
PROGRAMS    += $(BUILD)/ocsp-proxyctl
endif

.PHONY: all check check-trixie check-asan lint shellcheck clang unit helpers run demo install uninstall clean deps help fuzz bench deb
all: $(PROGRAMS)

$(BUILD)/libocspproxy.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Handler objects see handler/ headers; the scheduler and ctl see theirs.
$(BUILD)/handler/%.o: override CFLAGS += -Ihandler

$(BUILD)/ocsp-proxy-handler: $(HANDLER_OBJ) $(BUILD)/libocspproxy.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_HANDLER) -ldl

$(BUILD)/ocsp-proxy-scheduler: $(SCHED_OBJ) $(BUILD)/libocspproxy.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE) $(LIBS_SYSTEMD) -ldl

# ocsp-proxyctl refresh writes and pushes staple files with the scheduler's own code.
CTL_SCHED_OBJ := $(BUILD)/scheduler/staple.o $(BUILD)/scheduler/haproxy.o
$(BUILD)/ctl/%.o: override CFLAGS += -Ischeduler

$(BUILD)/ocsp-proxyctl: $(CTL_OBJ) $(CTL_SCHED_OBJ) $(BUILD)/libocspproxy.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE) $(LIBS_SYSTEMD) -ldl

# Unit tests link the library and, where they test handler code, its objects
# (all but main.o).
HANDLER_LIBOBJ := $(filter-out $(BUILD)/handler/main.o,$(HANDLER_OBJ))
$(BUILD)/tests/test_%: tests/unit/test_%.c $(HANDLER_LIBOBJ) $(BUILD)/libocspproxy.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihandler -Itests/unit $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS_CORE) -ldl

# Test helpers (stand-ins for peers the real programs cannot imitate) link the library too.
$(BUILD)/tests/helpers/%: tests/helpers/%.c $(BUILD)/libocspproxy.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS_CORE) -ldl

unit: $(UNIT_BIN)
helpers: $(HELPER_BIN)

deps:
	@scripts/deps.sh

# deps first, in its own step: pkg-config answers only once the -dev packages are there.
check:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all unit helpers
	@BUILD=$(BUILD) tests/run

# The same suite in a Debian 13 (trixie) root that scripts/trixie-root.sh builds from Debian's
# packages (as root; the root is cached in /var/cache/ocsp-proxy-ci, so a second run only unpacks it).
check-trixie:
	@scripts/trixie-root.sh

# The parsers' fuzzers, longer than the short run in `make check`.
fuzz:
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} fuzz/run.sh

# Static analysis: cppcheck over every C file of ours, shellcheck over every shell script.
lint: shellcheck
	cppcheck --enable=warning,performance,portability --std=c11 -q --error-exitcode=1 \
		--suppress=missingIncludeSystem -Ilib -Ihandler -Ischeduler \
		$(wildcard lib handler scheduler ctl tests/helpers tests/unit bench fuzz)
	@scripts/fnlen.sh 100 || { echo "functions of 100 lines or more (the guide wants them shorter)"; exit 1; }

# The whole suite again, built with AddressSanitizer and UBSan into build-asan/.
check-asan:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" all unit helpers
	@BUILD=build-asan SANITIZE=1 tests/run

# exec: a TERM make passes on reaches the script's trap, which stops what it started.
run:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) exec scripts/run-local.sh

# A guided tour: a throwaway CA, its responder, Redis, the proxy and the scheduler, then gone.
demo:
	@DEPS_RUN=1 scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) exec scripts/demo.sh

install: all
	@scripts/install.sh install "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

uninstall:
	@scripts/install.sh uninstall "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

# The Debian package (dpkg-buildpackage -b on a copy of the tree): $(BUILD)/deb/ocsp-proxy_*.deb.
deb:
	@scripts/deb.sh "$(BUILD)/deb"

# Settings in .shellcheckrc (bash; sourced files found from each script's directory).
SHELL_SCRIPTS := tests/run .ci/run $(wildcard tests/*.sh tests/integration/*.sh bench/*.sh scripts/*.sh fuzz/*.sh)
shellcheck:
	shellcheck -x $(SHELL_SCRIPTS)

# The same sources built with clang, -Werror included (.ci/run).
clang:
	@$(MAKE) --no-print-directory CC=clang BUILD=build-clang all unit helpers

clean:
	rm -rf $(BUILD) build-asan build-clang

help:
	@echo "make          build into $(BUILD)/"
	@echo "make check    install test dependencies if missing, run every test"
	@echo "make check-trixie  the same in a Debian 13 root built and cached here (as root)"
	@echo "make run      start redis, the handler on 127.0.0.1:8888 and the scheduler, with a test"
	@echo "              CA's responder on 127.0.0.1:8887; set LISTEN=HOST:PORT, RESPONDER=HOST:PORT"
	@echo "              and RUN=DIR (./run: its configuration, CA, data, logs) to change them"
	@echo "make demo     a guided tour: a throwaway CA, a miss, a hit, an outage, ctl; then stops"
	@echo "make install  install under PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make deb      build the Debian package into $(BUILD)/deb/"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
