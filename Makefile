# o1-proxy: build, test, install as a socket-activated systemd service.
#   make release && sudo make install      # build as yourself, install as root

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
# On systemd's unit search path for PREFIX=/usr/local and /usr; for any other
# PREFIX pass UNITDIR=/etc/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
CONFDIR ?= /etc/o1-proxy
LISTEN  ?= 127.0.0.1:4567
BIN     := .build/release/o1-proxy
PYTHON  := .venv/bin/python
# `make run` passes these through from the environment or the command line, and keeps what
# the proxy learns in STATE (systemd's StateDirectory= does the same for the service).
RUN_ENV := $(filter OPENAI_API_KEY OPENAI_BASE_URL AZURE_OPENAI_ENDPOINT AZURE_OPENAI_API_KEY O1_PROXY_%,$(.VARIABLES))
STATE   ?= .build/state
# Only act on the live system when installing into it and it runs systemd.
LIVE    := [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]

.PHONY: build release test venv run install uninstall

build:
	swift build

release:
	swift build -c release --static-swift-stdlib

venv: $(PYTHON)
$(PYTHON):
	python3 -m venv .venv
	$(PYTHON) -m pip install -q openai pytest

test: release
	swift test
	scripts/fuzz
	$(PYTHON) -m pytest -q Tests/e2e
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
	install -D -m 0644 systemd/o1-proxy.sysusers $(DESTDIR)$(SYSUSERSDIR)/o1-proxy.conf
	install -d -m 0750 $(DESTDIR)$(CONFDIR)
	@echo "Put the OpenAI API key in $(CONFDIR)/openai-api-key (root, mode 0600), e.g."
	@echo "  (umask 077; printf %s \"\$$OPENAI_API_KEY\" > $(CONFDIR)/openai-api-key)"
	@echo "  (or encrypted at rest: systemd-creds + LoadCredentialEncrypted=, see README)"
	@echo "Optional settings (OPENAI_BASE_URL=, O1_PROXY_*=): $(CONFDIR)/o1-proxy.env (root, 0600);"
	@echo "  a rules file there for O1_PROXY_RULES=: root:o1-proxy, mode 0640"
	@if $(LIVE); then set -x; systemd-sysusers $(SYSUSERSDIR)/o1-proxy.conf && chgrp o1-proxy $(CONFDIR) \
		&& systemctl daemon-reload && systemctl enable --now o1-proxy.socket; fi

# Keeps $(CONFDIR) (the key) and the learned state unless PURGE=1, and the o1-proxy user
# (a user that once owned files is not reused for another).
uninstall:
	-@if $(LIVE); then set -x; systemctl disable --now o1-proxy.socket; fi
	rm -f $(DESTDIR)$(BINDIR)/o1-proxy $(DESTDIR)$(UNITDIR)/o1-proxy.socket \
		$(DESTDIR)$(UNITDIR)/o1-proxy@.service $(DESTDIR)$(SYSUSERSDIR)/o1-proxy.conf
	@if $(LIVE); then set -x; systemctl daemon-reload; fi
	@if [ "$(PURGE)" = 1 ]; then set -x; rm -rf $(DESTDIR)$(CONFDIR) $(DESTDIR)/var/lib/o1-proxy; \
	else echo "Kept $(CONFDIR) (the key) and /var/lib/o1-proxy (what was learned);" \
		"'make uninstall PURGE=1' removes them."; fi
