# o1-proxy: build, test, install as a socket-activated systemd service.
#   make release && sudo make install      # build as yourself, install as root

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
# On systemd's unit search path for PREFIX=/usr/local and /usr; for any other
# PREFIX pass UNITDIR=/etc/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
CONFDIR ?= /etc/o1-proxy
# Programs for root, not for users: the lean trust store's hook.
LIBEXECDIR ?= $(PREFIX)/libexec/o1-proxy
# Debian's ca-certificates runs the programs here after every change to the system's CA
# certificates. Where nothing would (no such directory), the hook is not installed: a lean trust
# store nobody rewrites could go on trusting a root the system has dropped.
HOOKDIR := /etc/ca-certificates/update.d
HOOKED  := { [ -n "$(DESTDIR)" ] || [ -d $(HOOKDIR) ]; }
# The lean trust store the hook writes and the proxy reads when it is there: a cache (the hook
# rewrites it, the unit works without it).
TRUSTDIR := /var/cache/o1-proxy
# `make deb` builds here: o1-proxy_VERSION_ARCH.deb and debhelper's work tree.
DEBDIR  := .build-deb
LISTEN  ?= 127.0.0.1:4567
BIN     := .build/release/o1-proxy
PYTHON  := .venv/bin/python
# `make run` passes these through from the environment or the command line, and keeps what
# the proxy learns in STATE (systemd's StateDirectory= does the same for the service).
RUN_ENV := $(filter OPENAI_API_KEY OPENAI_BASE_URL AZURE_OPENAI_ENDPOINT AZURE_OPENAI_API_KEY O1_PROXY_%,$(.VARIABLES))
STATE   ?= .build/state
# Only act on the live system when installing into it and it runs systemd.
LIVE    := [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]

.PHONY: build release test venv run install uninstall deb

build:
	swift build

release:
	swift build -c release --static-swift-stdlib

venv: $(PYTHON)
$(PYTHON):
	python3 -m venv .venv
	$(PYTHON) -m pip install -q openai pytest langchain-openai

test: release deb
	swift test
	scripts/fuzz
	$(PYTHON) -m pytest -q Tests/e2e
	lintian --fail-on error,warning $(DEBDIR)/o1-proxy_*.deb
	Tests/system/run

# One process per connection, like the socket unit, without a service manager.
run: release
	mkdir -p -m 0700 $(STATE)
	systemd-socket-activate --inetd -a -l $(LISTEN) $(RUN_ENV:%=-E %) -E STATE_DIRECTORY=$(abspath $(STATE)) $(BIN)

# Installs what `make release` built; does not build (the build wants your
# user and toolchain, the install wants root).
install:
	@test -x $(BIN) || { echo "$(BIN) missing: run 'make release' first" >&2; exit 1; }
	@! ldd $(BIN) | grep -q libswiftCore || { echo "$(BIN) needs the Swift runtime" \
		"(plain 'swift build'): run 'make release' (--static-swift-stdlib)" >&2; exit 1; }
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/o1-proxy
	install -d $(DESTDIR)$(UNITDIR)
	install -m 0644 systemd/o1-proxy.socket $(DESTDIR)$(UNITDIR)/o1-proxy.socket
	sed 's|^ExecStart=.*|ExecStart=$(BINDIR)/o1-proxy|' systemd/o1-proxy@.service \
		> $(DESTDIR)$(UNITDIR)/o1-proxy@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/o1-proxy@.service
	install -m 0644 systemd/o1-proxy-failed@.service $(DESTDIR)$(UNITDIR)/o1-proxy-failed@.service
	install -D -m 0644 systemd/o1-proxy.sysusers $(DESTDIR)$(SYSUSERSDIR)/o1-proxy.conf
	install -D -m 0755 scripts/debian/update-lean-trust-store \
		$(DESTDIR)$(LIBEXECDIR)/update-lean-trust-store
	if $(HOOKED); then install -d $(DESTDIR)$(HOOKDIR) && \
		ln -sfn $(LIBEXECDIR)/update-lean-trust-store $(DESTDIR)$(HOOKDIR)/o1-proxy; fi
	install -d -m 0750 $(DESTDIR)$(CONFDIR)
	[ -e $(DESTDIR)$(CONFDIR)/o1-proxy.env ] || \
		install -m 0600 systemd/o1-proxy.env $(DESTDIR)$(CONFDIR)/o1-proxy.env
	@echo "Put the OpenAI API key in $(CONFDIR)/openai-api-key (root, mode 0600), e.g."
	@echo "  (umask 077; printf %s \"\$$OPENAI_API_KEY\" > $(CONFDIR)/openai-api-key)"
	@echo "  (or encrypted at rest: systemd-creds + LoadCredentialEncrypted=, see README)"
	@echo "Optional settings (OPENAI_BASE_URL=, O1_PROXY_*=): $(CONFDIR)/o1-proxy.env (root, 0600);"
	@echo "  a rules file there for O1_PROXY_RULES=: root:o1-proxy, mode 0640"
	@if $(LIVE); then set -x; ! $(HOOKED) || $(LIBEXECDIR)/update-lean-trust-store; \
		systemd-sysusers $(SYSUSERSDIR)/o1-proxy.conf && chgrp o1-proxy $(CONFDIR) \
		&& systemctl daemon-reload && systemctl enable --now o1-proxy.socket; fi

# Keeps $(CONFDIR) (the key) and the learned state unless PURGE=1, and the o1-proxy user
# (a user that once owned files is not reused for another).
uninstall:
	-@if $(LIVE); then set -x; systemctl disable --now o1-proxy.socket; fi
	rm -f $(DESTDIR)$(BINDIR)/o1-proxy $(DESTDIR)$(UNITDIR)/o1-proxy.socket \
		$(DESTDIR)$(UNITDIR)/o1-proxy@.service $(DESTDIR)$(UNITDIR)/o1-proxy-failed@.service \
		$(DESTDIR)$(SYSUSERSDIR)/o1-proxy.conf \
		$(DESTDIR)$(HOOKDIR)/o1-proxy
	rm -rf $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(TRUSTDIR)
	@if $(LIVE); then set -x; systemctl daemon-reload; fi
	@if [ "$(PURGE)" = 1 ]; then set -x; rm -rf $(DESTDIR)$(CONFDIR) $(DESTDIR)/var/lib/o1-proxy; \
	else echo "Kept $(CONFDIR) (the key) and /var/lib/o1-proxy (what was learned);" \
		"'make uninstall PURGE=1' removes them."; fi

# A Debian package of what `make release` built, holding what `make install` installs
# (scripts/debian/build): $(DEBDIR)/o1-proxy_VERSION_ARCH.deb.
deb: release
	scripts/debian/build $(BIN) $(DEBDIR)
