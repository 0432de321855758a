"""The xAPI Learning Record Store: clients, statements, attachments, documents.

A statement is kept as the exact JSON text the LRS returns (`body`), so a GET page is
assembled from stored strings without parsing them again. The query filters of the
spec run on indexed columns beside it. Agents, activities and verbs are matched by a
key: the first 32 hex digits of SHA-256 over a kind prefix and the identifier
(`lrs.keys`), which keeps the indexes small and fixed-width whatever the IRI length.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LrsClient(models.Model):
    """A caller of /xapi/ with HTTP Basic credentials: a learning app, another
    province's platform, or our own pages (the system client).

    The secret is random (≥ 192 bits), so SHA-256 of it is enough to store: a slow
    password hash would cost far more per request than the LRS may spend.
    """

    name = models.CharField("名称", max_length=100)
    key = models.CharField("客户端标识", max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    # Permissions of the client.
    can_write = models.BooleanField("可写入语句", default=True)
    can_read_own = models.BooleanField("可读本客户端写入的语句", default=True)
    can_read_all = models.BooleanField("可读全部语句", default=False)
    can_documents = models.BooleanField("可读写文档（状态、档案）", default=True)
    # Data scope: statements about cadres of this subtree (null: the whole platform).
    scope = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="数据范围")
    # The authority stamped on statements this client writes (an xAPI Agent or Group).
    authority = models.JSONField("授权方（xAPI Agent）")
    is_system = models.BooleanField("平台自身", default=False, editable=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "学习记录库客户端"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class XapiStatement(models.Model):
    # Autoincrement id: the stable order of `stored` and the cursor of `more` pages.
    id = models.BigAutoField(primary_key=True)
    statement_id = models.UUIDField(unique=True)
    # The statement exactly as the LRS serves it (id, stored, authority, version added), as
    # JSON text compressed by zstd (lrs.compression); read it as `.body`.
    data = models.BinaryField()
    version = models.CharField(max_length=10)
    actor_key = models.CharField(max_length=32)
    verb_key = models.CharField(max_length=32)
    # Key of the object: an activity, an agent/group, or null for StatementRef/SubStatement.
    object_key = models.CharField(max_length=32, null=True)
    # The statement this one refers to when its object is a StatementRef.
    object_statement_id = models.UUIDField(null=True)
    registration = models.UUIDField(null=True)
    timestamp = models.DateTimeField()
    stored = models.DateTimeField()
    voided = models.BooleanField(default=False)
    # No single-column indexes on the foreign keys: the (client|person, stored, id) indexes
    # below start with them, and every index costs each of the LRS's many inserts. No database
    # constraint on the client either (a check per inserted row, run at commit): rows are
    # written only by lrs.services with the authenticated client, and PROTECT still keeps a
    # client with statements from being deleted (Django enforces it).
    client = models.ForeignKey(LrsClient, on_delete=models.PROTECT, related_name="statements", db_index=False,
                               db_constraint=False)
    # The platform's person when the actor is one of our accounts (scope of scoped clients).
    person = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    has_attachments = models.BooleanField(default=False)

    class Meta:
        verbose_name = "xAPI 语句"
        indexes = [
            models.Index(fields=["actor_key", "stored", "id"], name="lrs_stmt_actor"),
            models.Index(fields=["object_key", "stored", "id"], name="lrs_stmt_object"),
            models.Index(fields=["verb_key", "stored", "id"], name="lrs_stmt_verb"),
            # Partial where the column is mostly empty: rows without it cost these indexes nothing.
            models.Index(fields=["registration", "stored", "id"], name="lrs_stmt_registration",
                         condition=models.Q(registration__isnull=False)),
            models.Index(fields=["object_statement_id"], name="lrs_stmt_target",
                         condition=models.Q(object_statement_id__isnull=False)),
            models.Index(fields=["stored", "id"], name="lrs_stmt_stored"),
            models.Index(fields=["client", "stored", "id"], name="lrs_stmt_client"),
            models.Index(fields=["person", "stored", "id"], name="lrs_stmt_person",
                         condition=models.Q(person__isnull=False)),
            # StatementRef statements only: the second walk of a filtered query (statements
            # that target a matching statement) reads these few rows in stored order.
            models.Index(fields=["stored", "id"], condition=models.Q(object_statement_id__isnull=False),
                         name="lrs_stmt_refs"),
        ]


    @property
    def body(self) -> str:
        """The statement's JSON text."""
        from ganxun.lrs.compression import decompress

        return decompress(self.data)

    @body.setter
    def body(self, text: str) -> None:
        from ganxun.lrs.compression import compress

        self.data = compress(text)


class XapiBodyDictionary(models.Model):
    """A zstd dictionary trained on stored statements (lrs.compression). Never deleted: each
    stored body names the dictionary it was compressed with by this id."""

    dict_id = models.BigIntegerField(primary_key=True)
    data = models.BinaryField()
    sample_size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "语句压缩字典"


class XapiStatementRelation(models.Model):
    """Every agent and activity a statement mentions, for the related_agents and
    related_activities filters (context activities, instructor, team, authority,
    sub-statement, group members). `key` is the same key as on XapiStatement."""

    # Indexed by the unique (statement, key) constraint, which starts with it. No database
    # constraint: relation rows are written with their statement in the same transaction by
    # lrs.services only, and a per-row check at commit would cost each of the many inserts.
    statement = models.ForeignKey(XapiStatement, on_delete=models.CASCADE, related_name="relations", db_index=False,
                                  db_constraint=False)
    key = models.CharField(max_length=32)
    stored = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "stored", "statement"], name="lrs_rel_key")]
        constraints = [models.UniqueConstraint(fields=["statement", "key"], name="lrs_rel_unique")]


class XapiAttachment(models.Model):
    """Attachment content, stored once per SHA-256 whatever the number of statements."""

    sha2 = models.CharField(max_length=64, primary_key=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    length = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class XapiDocument(models.Model):
    """State, Activity Profile and Agent Profile documents."""

    class Kind(models.TextChoices):
        STATE = "state", "State"
        ACTIVITY_PROFILE = "activity_profile", "Activity Profile"
        AGENT_PROFILE = "agent_profile", "Agent Profile"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # activityId (state, activity profile); empty for agent profiles.
    activity_id = models.TextField(blank=True, default="")
    activity_key = models.CharField(max_length=32, blank=True, default="")
    # The agent as given (state, agent profile) and its key; empty for activity profiles.
    agent = models.JSONField(null=True)
    agent_key = models.CharField(max_length=32, blank=True, default="")
    # registration of a state document; empty string when none (unique constraint on NULLs differs by database).
    registration = models.CharField(max_length=36, blank=True, default="")
    # stateId / profileId.
    document_id = models.TextField()
    document_key = models.CharField(max_length=32)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField()
    client = models.ForeignKey(LrsClient, on_delete=models.PROTECT, related_name="documents")

    class Meta:
        verbose_name = "xAPI 文档"
        constraints = [
            models.UniqueConstraint(fields=["kind", "activity_key", "agent_key", "registration", "document_key"],
                                    name="lrs_doc_unique"),
        ]
        indexes = [models.Index(fields=["kind", "activity_key", "agent_key", "registration", "updated"],
                                name="lrs_doc_lookup")]


class StatementOutbox(models.Model):
    """A statement of our own pages that the LRS refused or failed to store when it was emitted
    (learning.statements.emit). It is re-sent with the same id — so at most one copy is ever
    stored — by the `lrs_outbox_resend` job with backoff (lrs.outbox) until it is stored (sent_at)
    or, after some days, given up (given_up_at; the row and its last error are kept)."""

    statement_id = models.UUIDField(unique=True)
    statement = models.JSONField()
    # What built it: the builder's module and name, e.g. "learning.statements.completed".
    source = models.CharField(max_length=120)
    # Tries so far, the failed emission included.
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    # When the job tries again; null once sent or given up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "待重发的 xAPI 语句"
        indexes = [
            # The job's walk: pending rows in due order (sent and given-up rows are not in it).
            models.Index(fields=["next_attempt_at"], name="lrs_outbox_due",
                         condition=models.Q(next_attempt_at__isnull=False)),
            # The back office's list and the purge: rows not sent, rows sent long ago.
            models.Index(fields=["sent_at", "created_at"], name="lrs_outbox_sent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(given_up_at__isnull=True),
                name="lrs_outbox_sent_or_given_up"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.statement_id}"

    @property
    def is_pending(self) -> bool:
        return self.sent_at is None and self.given_up_at is None

    @property
    def verb_label(self) -> str:
        """The verb as a person reads it: its zh-CN display, else the last part of its IRI."""
        verb = self.statement.get("verb") if isinstance(self.statement, dict) else None
        if not isinstance(verb, dict):
            return ""
        display = verb.get("display") if isinstance(verb.get("display"), dict) else {}
        return display.get("zh-CN") or display.get("en-US") or str(verb.get("id", "")).rstrip("/").rsplit("/", 1)[-1]

    @property
    def actor_label(self) -> str:
        """The actor for the back office: its name, and its identifier with anything that looks
        like a phone or ID number masked (usernames are free text and may be either)."""
        import re

        from ganxun.core.masking import mask_id_number, mask_phone

        actor = self.statement.get("actor") if isinstance(self.statement, dict) else None
        if not isinstance(actor, dict):
            return ""
        account = actor.get("account") if isinstance(actor.get("account"), dict) else {}
        ident = str(account.get("name") or actor.get("mbox") or actor.get("openid") or "")
        ident = ident.removeprefix("mailto:")
        local, at, domain = ident.partition("@")
        if at:  # an e-mail address: keep its first character and domain
            ident = f"{local[:1]}***@{domain}"
        elif re.fullmatch(r"\d{15}|\d{17}[\dXx]", ident):
            ident = mask_id_number(ident)
        elif re.fullmatch(r"\+?\d{7,14}", ident):
            ident = mask_phone(ident)
        name = str(actor.get("name") or "")
        if name and ident:
            return f"{name}（{ident}）"
        return name or ident
