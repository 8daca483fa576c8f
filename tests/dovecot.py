"""A real IMAP server for the tests: Debian's dovecot, run in the foreground from a throwaway
directory (its own config, sockets, state and maildirs), on free ports of 127.0.0.1: plain IMAP
(STARTTLS offered) and IMAP over TLS, with a certificate from a throwaway CA (trustme).

When /usr/sbin/dovecot is missing and we are root, ``dovecot-imapd`` is installed from the
Debian package; otherwise the tests that need it are skipped with the reason. The config is
written for the installed version's syntax (2.3, as in bookworm, or 2.4, as in trixie).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from imap_tools import MailBoxUnencrypted

from tests.debian import install_debian_package

DOVECOT = Path(os.environ.get("BILLIFY_TEST_DOVECOT", "/usr/sbin/dovecot"))
USER = "invoices"  # its password has UTF-8, a quote, a backslash and a space
ASCII_USER = "ascii"  # its password is ASCII (so IMAP LOGIN is used), with a quote too
START_SECONDS = 15.0


@dataclass(frozen=True)
class Dovecot:
    """A running server: where it listens and the one account it has."""

    host: str
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # TLS from the start (what port 993 is)
    ca: trustme.CA  # signed the server's certificate (for 127.0.0.1 and localhost)
    user: str
    password: str
    ascii_user: str
    ascii_password: str
    root: Path

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting this server's certificate (and nothing else)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the host name too
        self.ca.configure_trust(context)
        return context

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @contextmanager
    def mailbox(self, folder: str | None = "INBOX") -> Iterator[MailBoxUnencrypted]:
        """A logged-in client (plain IMAP over loopback), ``folder`` selected."""
        with MailBoxUnencrypted(self.host, self.port, timeout=10).login_utf8(
            self.user, self.password, initial_folder=folder
        ) as mailbox:
            yield mailbox

    def new_folder(self, prefix: str = "t") -> str:
        """A folder of its own for one test, so tests sharing the server do not meet."""
        name = f"{prefix}{secrets.token_hex(4)}"
        with self.mailbox(None) as mailbox:
            mailbox.folder.create(name)
        return name

    def append(self, raw: bytes, folder: str, flags: tuple[str, ...] = ()) -> None:
        with self.mailbox(None) as mailbox:
            mailbox.append(raw, folder, flag_set=flags or None)

    def messages(self, folder: str) -> list[Stored]:
        """Each message in ``folder``, read without marking it seen."""
        with self.mailbox(folder) as mailbox:
            found = []
            for uid in mailbox.uids("ALL"):
                typ, data = mailbox.client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                assert typ == "OK", data
                head, raw = next(item for item in data if isinstance(item, tuple))
                lines = b" ".join([head, *(i for i in data if isinstance(i, bytes))])
                flags = re.search(rb"FLAGS \(([^)]*)\)", lines)
                names = flags.group(1).decode().split() if flags else []
                found.append(Stored(uid, frozenset(names), raw))
            return found


@dataclass(frozen=True)
class Stored:
    """A message as the server keeps it."""

    uid: str
    flags: frozenset[str]
    raw: bytes


def _version() -> tuple[int, int]:
    out = subprocess.run([str(DOVECOT), "--version"], capture_output=True, text=True, timeout=30)
    found = re.match(r"(\d+)\.(\d+)", out.stdout.strip())
    if found is None:
        raise RuntimeError(f"cannot tell dovecot's version from {out.stdout!r} {out.stderr!r}")
    return int(found.group(1)), int(found.group(2))


def _free_ports() -> tuple[int, int]:
    with socket.socket() as one, socket.socket() as two:  # both held: two different ports
        one.bind(("127.0.0.1", 0))
        two.bind(("127.0.0.1", 0))
        return int(one.getsockname()[1]), int(two.getsockname()[1])


@dataclass(frozen=True)
class _Accounts:
    """Who dovecot's processes run as, and the ids the mail is kept under. As root: the
    package's ``dovecot`` and ``dovenull`` users and ``nobody``'s ids (dovecot never serves
    mail as root); otherwise everything runs as the current user."""

    internal_user: str
    internal_group: str
    login_user: str
    uid: int
    gid: int

    @classmethod
    def here(cls) -> _Accounts:
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            group = grp.getgrgid(me.pw_gid).gr_name
            return cls(me.pw_name, group, me.pw_name, me.pw_uid, me.pw_gid)
        nobody = pwd.getpwnam("nobody")
        return cls("dovecot", "dovecot", "dovenull", nobody.pw_uid, nobody.pw_gid)


def _config(root: Path, port: int, tls_port: int, version: tuple[int, int]) -> str:
    accounts = _Accounts.here()
    common = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = billify-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
auth_mechanisms = plain login
# No slowing down after a failed login (tests make some on purpose): no delay of the answer,
# and no penalty on the next logins from the address (mode 0 on anvil's penalty socket is
# dovecot's documented switch that turns penalties off).
auth_failure_delay = 0
default_internal_user = {accounts.internal_user}
default_internal_group = {accounts.internal_group}
default_login_user = {accounts.login_user}
first_valid_uid = 1
first_valid_gid = 1
# No chroot: it needs root, and these throwaway servers run as whoever runs the tests.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
"""
    if version >= (2, 4):
        return f"""dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{common}
auth_allow_cleartext = yes
ssl_server_cert_file = {root}/cert.pem
ssl_server_key_file = {root}/key.pem
mail_driver = maildir
mail_path = ~/Maildir
namespace inbox {{
  inbox = yes
}}
passdb passwd-file {{
  passwd_file_path = {root}/passwd
}}
userdb passwd-file {{
  passwd_file_path = {root}/passwd
}}
"""
    return f"""{common}
disable_plaintext_auth = no
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
"""


def _wait_ready(process: subprocess.Popen[bytes], port: int, server: Dovecot) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{server.log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not answer on port {port} in {START_SECONDS} s:\n{server.log}")


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Start a dovecot of its own; stopped and its directory removed on exit."""
    version = _version()
    root = Path(tempfile.mkdtemp(prefix="billify-dovecot-"))
    root.chmod(0o755)  # dovecot's unprivileged processes read the passwd file and maildir
    accounts = _Accounts.here()
    password = 'p@ss wörd"\\' + secrets.token_hex(4)
    ascii_password = 'plain "pass\\' + secrets.token_hex(4)
    lines = []
    for user, secret in ((USER, password), (ASCII_USER, ascii_password)):
        home = root / "home" / user
        home.mkdir(parents=True)
        if os.geteuid() == 0:
            os.chown(home, accounts.uid, accounts.gid)
        lines.append(f"{user}:{{PLAIN}}{secret}:{accounts.uid}:{accounts.gid}::{home}::\n")
    (root / "passwd").write_text("".join(lines))
    (root / "passwd").chmod(0o644)
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    certificate.cert_chain_pems[0].write_to_path(root / "cert.pem")
    certificate.private_key_pem.write_to_path(root / "key.pem")
    (root / "key.pem").chmod(0o644)  # a throwaway key; read by dovecot's unprivileged side
    port, tls_port = _free_ports()
    (root / "dovecot.conf").write_text(_config(root, port, tls_port, version))
    server = Dovecot(
        "127.0.0.1", port, tls_port, ca, USER, password, ASCII_USER, ascii_password, root
    )
    with (root / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_ready(process, port, server)  # both listeners open together
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", name="dovecot")
def dovecot_fixture() -> Iterator[Dovecot]:
    """The tests' IMAP server (import this fixture into the test module to use it)."""
    if not DOVECOT.exists():
        reason = install_debian_package("dovecot-imapd", DOVECOT)
        if reason:
            pytest.skip(f"IMAP tests need Debian's dovecot: {reason}")
    with running_dovecot() as server:
        yield server
