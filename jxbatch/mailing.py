"""E-mail: send each person their monthly workbook, and reminders (SPEC §1, §4.1 邮箱, §11).

`issue --send` and `remind --send` build :class:`Outgoing` jobs (one per person), and
:func:`send_jobs` composes each message (stdlib :class:`email.message.EmailMessage`, the
attachment name RFC 2231-encoded), sends it over one SMTP connection (`smtplib`; security
none / ssl / starttls from the policy's ``[mail]`` table) and records every attempt in the
ledger's send log (migration 3). A refused recipient is a failed row, never the end of the
run. The same attachment is not sent twice to a person unless ``resend`` is asked.

The SMTP password comes only from the environment variable ``JXBATCH_SMTP_PASSWORD``: it is
passed to ``smtplib.SMTP.login`` and nowhere else — never logged, printed or written.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import smtplib
import ssl
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from . import ledger
from .calendar import Month
from .issuing import WorkspaceError
from .model import Person, in_scope
from .workspace import Workspace, load_registers

PASSWORD_ENV = "JXBATCH_SMTP_PASSWORD"
SECURITY = ("none", "ssl", "starttls")
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
TIMEOUT = 30  # seconds, per SMTP operation
ISSUE, REMIND = "issue", "remind"

# outcome of one job
SENT, FAILED, SKIPPED, NO_ADDRESS, DRY_RUN = "sent", "failed", "skipped", "no-address", "dry-run"
_PENDING = "pending"  # decided to send, not sent yet
STATUS_ZH = {SENT: "已发送", FAILED: "发送失败", SKIPPED: "跳过", NO_ADDRESS: "无邮箱", DRY_RUN: "将发送"}

# A plain ASCII address: the roster's 邮箱 column is typed by hand.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class MailError(WorkspaceError):
    """Fatal for the sending step: settings missing, server unreachable, login refused."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str  # none | ssl | starttls
    user: str
    sender: str
    deadline_day: int

    @classmethod
    def from_policy(cls, policy: Any) -> MailSettings:
        def get(key: str, default: Any) -> Any:
            try:
                value = policy.get("mail", key)
            except KeyError:
                return default
            return default if value is None else value

        security = str(get("security", "ssl")).strip().lower()
        user = str(get("user", "")).strip()
        sender = str(get("sender", "")).strip() or (user if _ADDRESS.match(user) else "")
        return cls(host=str(get("host", "")).strip(), port=_int(get("port", 465), 465), security=security,
                   user=user, sender=sender, deadline_day=_int(get("deadline_day", 3), 3))

    def problems(self, password: str | None) -> list[str]:
        """What stops a real sending (Chinese, one line each)."""
        out = []
        if not self.host:
            out.append("jxbatch.toml 的 [mail] 中没有填写 host（SMTP 服务器）")
        if self.security not in SECURITY:
            out.append(f"[mail] security 只能是 none、ssl 或 starttls，而不是 {self.security!r}")
        if not 0 < self.port < 65536:
            out.append(f"[mail] port 不是有效的端口号：{self.port}")
        if not _ADDRESS.match(self.sender):
            out.append("jxbatch.toml 的 [mail] 中没有填写有效的 sender（发件人地址）")
        if self.user and not password:
            out.append(f"没有设置环境变量 {PASSWORD_ENV}（SMTP 密码只从环境变量读取）")
        return out


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def smtp_password() -> str | None:
    """The password, from the environment only."""
    return os.environ.get(PASSWORD_ENV) or None


def valid_address(text: str | None) -> str | None:
    """The roster's 邮箱 cleaned up, or None when it is not one usable address."""
    if not text:
        return None
    value = str(text).strip().strip(";；,，").strip()
    value = value.replace("＠", "@").replace("．", ".")
    return value if _ADDRESS.match(value) else None


# --- wording ----------------------------------------------------------------------------


def return_deadline(month: Month, day: int, calendar: Any = None) -> dt.date:
    """`deadline_day` of the month after `month` (clamped to that month's length); with the
    workspace's `calendar`, a rest day moves on to the next working day (3 January 2027 is a
    Sunday in the 元旦 holiday: the 4th)."""
    nxt = month.next()
    d = dt.date(nxt.year, nxt.month, min(max(day, 1), nxt.last.day))
    if calendar is not None:
        for _ in range(14):  # the longest holiday (国庆 with its weekends) is shorter
            if calendar.is_workday(d):
                break
            d += dt.timedelta(days=1)
    return d


def chinese_day(d: dt.date, month: Month) -> str:
    """12月3日; with the year when it differs from the month's (2027年1月3日)."""
    text = f"{d.month}月{d.day}日"
    return text if d.year == month.year else f"{d.year}年{text}"


def issue_subject(month: Month, deadline: dt.date) -> str:
    return f"【精细化考核】{month.chinese()}个人工作簿（请于{chinese_day(deadline, month)}前交回）"


def remind_subject(month: Month, deadline: dt.date) -> str:
    return f"【精细化考核】提醒：请交回{month.chinese()}个人工作簿（交回期限{chinese_day(deadline, month)}）"


FILLING = (
    "填写要求：",
    "1. 日整理：每个工作日填一行。在岗的日子写明“已完成工作”“未完成工作”和“体会”；"
    "请假、出差、公休、病假的日子只需选好“状态”。",
    "2. 周小结：每周填写“本周小结”和“下周计划”。",
    "3. 走访记录：对联包的军休人员每联系一次（上门、电话、医院探望）登记一行；必访请填写事件编号，"
    "对方反映的问题请编好问题编号，并随时更新问题状态。",
    "4. 申报加分：有加分事项的，写明日期、标准编号、分值和事由，由考核办审批后计分。",
    "",
    "交回方式：直接“回复”本邮件，并把填好的工作簿作为附件添加上（回复时附件不会自动带上）。",
    "请不要修改、删除或新增工作表，也不要改工作表的名称；文件名不必修改。",
)


def issue_body(person: Person, month: Month, deadline: dt.date, filename: str, office: str) -> str:
    lines = [
        f"{person.name}同志：",
        "",
        f"您好！附件是您{month.chinese()}的个人月度工作簿《{filename}》，"
        f"请用 Excel 或 WPS 填写，并于{chinese_day(deadline, month)}前交回。",
        "",
        *FILLING,
        "",
        f"如有疑问，请与{office}联系。",
        "",
        office,
    ]
    return "\n".join(lines) + "\n"


def remind_body(person: Person, month: Month, deadline: dt.date, state: str, filename: str | None,
                office: str, shortfall: str = "") -> str:
    what = ("无法打开（可能已损坏），请重新保存后发回" if state == "无法读取"
            else "尚未交回" if state == "缺文件" or filename is None
            else f"还有没填完的：{shortfall}" if state == "未填完" and shortfall
            else "交回的工作簿中还没有填写内容")
    lines = [
        f"{person.name}同志：",
        "",
        f"您好！您{month.chinese()}的个人月度工作簿{what}，交回期限是{chinese_day(deadline, month)}。"
        "逾期未填写的日整理和周小结将按缺记扣分。",
        "",
        (f"附件是您的工作簿《{filename}》，填好后请“回复”本邮件并把它作为附件发回。"
         if filename else f"如没有收到工作簿，请与{office}联系。"),
        "",
        *FILLING,
        "",
        office,
    ]
    return "\n".join(lines) + "\n"


# --- composing ----------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One message to one person; `skip` set when it must not be sent (with the reason)."""

    kind: str  # issue | remind
    person: Person
    subject: str
    body: str
    attachment: Path | None = None
    skip: str | None = None

    @property
    def address(self) -> str | None:
        return valid_address(self.person.email)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def message_domain(sender: str) -> str:
    domain = sender.rpartition("@")[2]
    return domain if domain and _ADDRESS.match(f"x@{domain}") else "jxbatch.local"


def compose(job: Outgoing, settings: MailSettings, from_name: str, data: bytes | None = None) -> EmailMessage:
    """The message for `job`; attachment bytes `data` (read once by the caller) when it has one."""
    msg = EmailMessage()
    msg["From"] = Address(display_name=from_name, addr_spec=settings.sender or "jxbatch@jxbatch.local")
    msg["To"] = Address(display_name=job.person.name, addr_spec=job.address or "")
    msg["Subject"] = job.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(idstring="jxbatch", domain=message_domain(settings.sender))
    msg.set_content(job.body)
    if job.attachment is not None:
        payload = data if data is not None else job.attachment.read_bytes()
        # EmailMessage writes a non-ASCII name as RFC 2231: filename*=utf-8''S01_%E5%BC%A0…
        msg.add_attachment(payload, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=job.attachment.name)
    return msg


# --- SMTP --------------------------------------------------------------------------------------


def ssl_context() -> ssl.SSLContext:
    """Certificate-verifying TLS context (tests replace this to trust their own certificate)."""
    return ssl.create_default_context()


class Connection:
    """One SMTP session, opened lazily and reopened once if the server drops it."""

    def __init__(self, settings: MailSettings, password: str | None) -> None:
        self._settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:  # never show the password
        return f"Connection({self._settings.host}:{self._settings.port})"

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text

    def open(self) -> None:
        s = self._settings
        where = f"{s.host}:{s.port}"
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=ssl_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"无法连接邮件服务器 {where}（{self._scrub(_exc_text(exc))}），未发送任何邮件") from None
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=ssl_context())
                smtp.ehlo()
            if s.user:
                login(smtp, s.user, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            _quit(smtp)
            raise MailError(f"邮件服务器 {where} 拒绝登录：用户名或密码不对（{self._scrub(_exc_text(exc))}）") from None
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            _quit(smtp)
            raise MailError(f"与邮件服务器 {where} 建立连接失败（{self._scrub(_exc_text(exc))}）") from None
        self._smtp = smtp

    def send(self, msg: EmailMessage, sender: str, to: str) -> None:
        """Send one message; SMTP errors propagate (the caller records them)."""
        if self._smtp is None:
            self.open()
        assert self._smtp is not None
        try:
            self._smtp.send_message(msg, from_addr=sender, to_addrs=[to])
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            self.open()  # once: the server closed an idle or long session
            assert self._smtp is not None
            self._smtp.send_message(msg, from_addr=sender, to_addrs=[to])

    def error_text(self, exc: BaseException) -> str:
        return self._scrub(_exc_text(exc))

    def close(self) -> None:
        if self._smtp is not None:
            _quit(self._smtp)
            self._smtp = None


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """`SMTP.login`, except that a non-ASCII user name or password (which smtplib cannot encode)
    goes as AUTH PLAIN in UTF-8 (RFC 4616)."""
    try:
        (user + password).encode("ascii")
    except UnicodeEncodeError:
        pass
    else:
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth") or "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPException("服务器不支持 AUTH PLAIN，无法使用含非 ASCII 字符的用户名或密码")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, resp = smtp.docmd("AUTH", "PLAIN " + token)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, resp)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _exc_text(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for addr, (code, resp) in exc.recipients.items():
            parts.append(f"{addr}: {code} {_decode(resp)}")
        return "收件人被服务器拒绝：" + "；".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    if isinstance(exc, TimeoutError):
        return "连接超时"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _decode(resp: bytes | str) -> str:
    return resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)


# --- sending ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    staff_id: str
    name: str
    address: str | None
    status: str  # sent | failed | skipped | no-address | dry-run
    detail: str = ""
    attachment: str | None = None
    sha256: str | None = None
    message_id: str | None = None

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


@dataclass
class SendSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def complete(self) -> bool:
        """Everyone who should have a message got one (or would, in a dry run)."""
        return not self.count(FAILED) and not self.count(NO_ADDRESS)


def send_jobs(root: Path, month: Month, jobs: Iterable[Outgoing], *, settings: MailSettings, from_name: str,
              password: str | None = None, dry_run: bool = False, resend: bool = False,
              once_per_day: bool = False) -> SendSummary:
    """Send (or, with `dry_run`, only describe) the jobs; each attempt goes to the send log.

    A job whose attachment was already sent successfully to that person (same sha256) is
    skipped unless `resend`; with `once_per_day` (reminders) a second message on the same
    day is skipped unless `resend`. Raises :class:`MailError` only before anything was sent
    (settings, connection, login); later failures are per-person outcomes.
    """
    jobs = list(jobs)
    summary = SendSummary()
    if dry_run:
        summary.warnings = [f"正式发送前请改正：{p}" for p in settings.problems(password)]
    else:
        problems = settings.problems(password)
        if problems:
            raise MailError("；".join(problems) + "。未发送任何邮件")
    path = Workspace(root).ledger
    if dry_run:  # only looks at the send log: read-only (an older ledger is migrated in memory)
        con = ledger.connect_to_read(path) if path.exists() else None
    else:
        con = ledger.connect(path)
    conn = Connection(settings, password) if not dry_run else None
    delivered = 0
    try:
        for job, outcome, data in _prepare(jobs, month, con, resend, once_per_day):
            summary.outcomes.append(outcome)
            if outcome.status != _PENDING:  # decided without sending
                continue
            if dry_run:
                outcome.status = DRY_RUN
                continue
            assert conn is not None and con is not None and job.address is not None
            try:
                msg = compose(job, settings, from_name, data)
                outcome.message_id = msg["Message-ID"]
                conn.send(msg, settings.sender, job.address)
                outcome.status = SENT
                delivered += 1
            except MailError as exc:
                if not delivered:
                    raise  # nothing sent yet: the settings or the server are the problem
                outcome.status, outcome.detail = FAILED, str(exc)
            except (OSError, smtplib.SMTPException, ValueError, UnicodeError) as exc:
                outcome.status, outcome.detail = FAILED, conn.error_text(exc)
            ledger.log_mail(con, kind=job.kind, month=str(month), staff_id=job.person.staff_id,
                            address=job.address, message_id=outcome.message_id or "",
                            attachment=outcome.attachment, sha256=outcome.sha256, status=outcome.status,
                            error=outcome.detail or None)
    finally:
        if conn is not None:
            conn.close()
        if con is not None:
            con.close()
    return summary


def _prepare(jobs: list[Outgoing], month: Month, con: Any, resend: bool,
             once_per_day: bool) -> Iterator[tuple[Outgoing, Outcome, bytes | None]]:
    """Per job, the outcome decided before sending (status pending: to be sent)."""
    today = dt.date.today().isoformat()
    for job in jobs:
        p = job.person
        out = Outcome(p.staff_id, p.name, job.address, _PENDING,
                      attachment=job.attachment.name if job.attachment else None)
        data: bytes | None = None
        if job.skip:
            out.status, out.detail = SKIPPED, job.skip
        elif out.address is None:
            out.status = NO_ADDRESS
            out.detail = f"邮箱格式不对：{p.email}" if p.email else "名册中没有填写邮箱"
        elif job.attachment is not None:
            try:
                data = job.attachment.read_bytes()
            except OSError as exc:
                out.status, out.detail = FAILED, f"无法读取工作簿 {job.attachment.name}：{exc.strerror or exc}"
            else:
                out.sha256 = hashlib.sha256(data).hexdigest()
        if out.status == _PENDING and con is not None and not resend:
            if once_per_day:
                last = ledger.last_sent(con, str(month), p.staff_id, job.kind)
                if last is not None and last.sent_at[:10] == today:
                    out.status, out.detail = SKIPPED, f"今天已提醒过（{last.sent_at[11:16]}），如需再发请加 --resend"
            else:
                last = ledger.last_sent(con, str(month), p.staff_id, job.kind, out.sha256)
                if last is not None:
                    out.status = SKIPPED
                    out.detail = f"同一工作簿已于 {last.sent_at[:16].replace('T', ' ')} 发送，如需重发请加 --resend"
        yield job, out, data


# --- jobs --------------------------------------------------------------------------------------


def in_scope_people(root: Path, month: Month) -> list[Person]:
    ws = Workspace(root)
    regs, _ = load_registers(ws)
    return [p for p in regs.roster.people.values() if in_scope(p, month, regs.calendar)]


def issue_jobs(root: Path, month: Month, settings: MailSettings, office: str,
               kept: Iterable[Path] = ()) -> list[Outgoing]:
    """One message per in-scope person with their personal workbook (after `issue_month`)."""
    ws = Workspace(root)
    kept_set = {Path(k) for k in kept}
    deadline = return_deadline(month, settings.deadline_day, load_registers(ws)[0].calendar)
    subject = issue_subject(month, deadline)
    jobs = []
    for person in in_scope_people(root, month):
        path = ws.personal_path(month, person.staff_id, person.name)
        job = Outgoing(ISSUE, person, subject, issue_body(person, month, deadline, path.name, office), path)
        if path in kept_set:
            job.skip = "工作簿已交回并填写，不再下发"
        elif not path.exists():  # (a dry run generates nothing: the file comes with the real issue)
            job.skip, job.attachment = "工作簿尚未生成（不加 --dry-run 运行 jxbatch issue 时生成并发送）", None
        jobs.append(job)
    return jobs


@dataclass
class Reminder:
    person: Person
    state: str  # 缺文件 | 无法读取 | 未填写 | 未填完
    file: str | None
    shortfall: str = ""  # 未填完: the days and weeks the close would deduct for (PersonStatus.shortfall)


def reminders(root: Path, month: Month) -> list[Reminder]:
    """In-scope people whose workbook is missing or not filled in (issuing.month_status)."""
    from .issuing import month_status

    rows, _, _ = month_status(root, month)
    return [Reminder(s.person, s.state, s.file, s.shortfall() if s.state == "未填完" else "")
            for s in rows if s.state != "已填写"]


def remind_jobs(root: Path, month: Month, settings: MailSettings, office: str,
                due: list[Reminder]) -> list[Outgoing]:
    ws = Workspace(root)
    deadline = return_deadline(month, settings.deadline_day, load_registers(ws)[0].calendar)
    subject = remind_subject(month, deadline)
    jobs = []
    for r in due:
        path = ws.month_dir(month) / r.file if r.file else None
        if path is not None and not path.is_file():
            path = None
        body = remind_body(r.person, month, deadline, r.state, path.name if path else None, office, r.shortfall)
        jobs.append(Outgoing(REMIND, r.person, subject, body, path))
    return jobs


def sent_log(root: Path, month: Month) -> list[ledger.MailLogEntry]:
    ws = Workspace(root)
    if not ws.ledger.exists():
        return []
    with closing(ledger.connect_to_read(ws.ledger)) as con:
        return ledger.mail_log(con, str(month))
