"""The message contracts of Duban: one pydantic model per event and command.

No I/O here. Publish ``msg.to_json()`` on ``subject_of(msg, root)`` with headers
``Nats-Msg-Id: msg.msg_id`` and ``Duban-Producer: <service>``; decode what a consumer
receives with ``decode`` (``parse_message`` reads bytes without the producer check).
"""

from shared.contracts import enums, subjects
from shared.contracts.base import Command, Event, ItemEvent, Message
from shared.contracts.commands import ApproveBulletin, GenerateBulletin, OpenAccountability, SendNotification
from shared.contracts.enums import (
    AccountabilityTrigger,
    BulletinKind,
    Cadence,
    CheckKind,
    DeadlineKind,
    Decision,
    EvaluationRating,
    ItemStatus,
    Measure,
    ReportType,
    ReviewDecision,
    RevisitMethod,
    SelfCheckProgress,
    Source,
    Urgency,
)
from shared.contracts.events import (
    AccountabilityClosed,
    AccountabilityEvent,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    BulletinApproved,
    BulletinPublished,
    BulletinReturned,
    DeadlineOverdue,
    DeadlineReminder,
    ExtensionDecided,
    ExtensionRequested,
    ItemApproved,
    ItemAssigned,
    ItemClosed,
    ItemEvaluated,
    ItemProgressed,
    ItemRegistered,
    ItemRejected,
    ItemReopened,
    ItemResearched,
    ItemSigned,
    PublicRatingChanged,
    ReportAccepted,
    ReportReturned,
    ReportSubmitted,
    RevisitCompleted,
    TargetCheckEvent,
    TargetCheckReviewed,
    TargetCheckSelfChecked,
    TargetCheckStarted,
    TaskCompleted,
    TaskCreated,
    TaskEvent,
)
from shared.contracts.registry import (
    COMMANDS,
    EVENTS,
    MESSAGES,
    PRODUCER_HEADER,
    MalformedMessage,
    WrongProducer,
    check_producer,
    decode,
    model_for,
    parse_message,
    subject_of,
)
from shared.contracts.subjects import BadRoot, canonical, namespaced

__all__ = [
    # bases and registry
    "Message", "Event", "ItemEvent", "Command", "AccountabilityEvent", "TaskEvent",
    "EVENTS", "COMMANDS", "MESSAGES", "MalformedMessage", "model_for", "parse_message",
    "decode", "WrongProducer", "check_producer", "PRODUCER_HEADER", "subject_of", "namespaced",
    "canonical", "BadRoot", "subjects", "enums",
    # events
    "ItemRegistered", "ItemApproved", "ItemRejected", "ItemAssigned", "ItemSigned",
    "ItemClosed", "ItemReopened", "ItemProgressed", "ItemEvaluated", "ItemResearched",
    "ReportSubmitted", "ReportReturned", "ReportAccepted",
    "DeadlineReminder", "DeadlineOverdue", "ExtensionRequested", "ExtensionDecided",
    "RevisitCompleted", "AccountabilityOpened", "AccountabilityMeasureDecided",
    "AccountabilityClosed", "TaskCreated", "TaskCompleted", "BulletinPublished", "BulletinApproved",
    "BulletinReturned", "TargetCheckEvent", "TargetCheckStarted", "TargetCheckSelfChecked", "TargetCheckReviewed",
    "PublicRatingChanged",
    # commands
    "OpenAccountability", "ApproveBulletin", "SendNotification", "GenerateBulletin",
    # enums
    "AccountabilityTrigger", "BulletinKind", "Cadence", "CheckKind", "DeadlineKind", "Decision",
    "EvaluationRating", "ItemStatus", "Measure", "ReportType", "ReviewDecision", "RevisitMethod",
    "SelfCheckProgress", "Source", "Urgency",
]
