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
    # The statement exactly as the LRS serves it (id, stored, authority, version added).
    body = models.TextField()
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
    client = models.ForeignKey(LrsClient, on_delete=models.PROTECT, related_name="statements")
    # The platform's person when the actor is one of our accounts (scope of scoped clients).
    person = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    has_attachments = models.BooleanField(default=False)

    class Meta:
        verbose_name = "xAPI 语句"
        indexes = [
            models.Index(fields=["actor_key", "stored", "id"], name="lrs_stmt_actor"),
            models.Index(fields=["object_key", "stored", "id"], name="lrs_stmt_object"),
            models.Index(fields=["verb_key", "stored", "id"], name="lrs_stmt_verb"),
            models.Index(fields=["registration", "stored", "id"], name="lrs_stmt_registration"),
            models.Index(fields=["object_statement_id"], name="lrs_stmt_target"),
            models.Index(fields=["stored", "id"], name="lrs_stmt_stored"),
            models.Index(fields=["client", "stored", "id"], name="lrs_stmt_client"),
            models.Index(fields=["person", "stored", "id"], name="lrs_stmt_person"),
            # StatementRef statements only: the second walk of a filtered query (statements
            # that target a matching statement) reads these few rows in stored order.
            models.Index(fields=["stored", "id"], condition=models.Q(object_statement_id__isnull=False),
                         name="lrs_stmt_refs"),
        ]


class XapiStatementRelation(models.Model):
    """Every agent and activity a statement mentions, for the related_agents and
    related_activities filters (context activities, instructor, team, authority,
    sub-statement, group members). `key` is the same key as on XapiStatement."""

    statement = models.ForeignKey(XapiStatement, on_delete=models.CASCADE, related_name="relations")
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
