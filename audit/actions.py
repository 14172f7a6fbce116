"""Every action the audit trail records: its code, and the sentence a person reads for it.

The code (`template.status_changed`) is what the database and the API's `action` keep; the
sentence ("The template's status changed") is what the admin and the API's `action_display`
show. One mapping, so a new code without a sentence fails its test.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    TEMPLATE_STATUS_CHANGED = "template.status_changed"
    TEMPLATE_QUALITY_CHANGED = "template.quality_changed"
    TEMPLATE_CATEGORY_CHANGED = "template.category_changed"
    TEMPLATE_CORRECT_CATEGORY_DETECTED = "template.correct_category_detected"
    TEMPLATE_COMPONENTS_CHANGED = "template.components_changed"
    TEMPLATE_ADDED_IN_ADMIN = "template.admin_added"
    TEMPLATE_CHANGED_IN_ADMIN = "template.admin_changed"
    TEMPLATE_DELETED_IN_ADMIN = "template.admin_deleted"
    TEMPLATE_DELETED = "template.deleted"
    TEMPLATE_UNPAUSE_REQUESTED = "template.unpause_requested"
    CAMPAIGN_PAUSED = "campaign.paused"
    CAMPAIGN_RESUMED = "campaign.resumed"
    CAMPAIGN_TEMPLATE_SWITCHED = "campaign.template_switched"
    CAMPAIGN_FALLBACKS_SET = "campaign.fallbacks_set"
    CAMPAIGN_CANCELLED = "campaign.cancelled"
    CAMPAIGN_DELETED = "campaign.deleted"
    CAMPAIGN_ADDED_IN_ADMIN = "campaign.admin_added"
    CAMPAIGN_CHANGED_IN_ADMIN = "campaign.admin_changed"
    CAMPAIGN_DELETED_IN_ADMIN = "campaign.admin_deleted"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_RESOLVED = "alert.resolved"
    ACCOUNT_TOKEN_INVALID = "business_account.token_invalid"
    ACCOUNT_CLAIMED = "business_account.claimed"
    ACCOUNT_RELEASED = "business_account.released"
    ACCOUNT_SENDING_PATH_CHANGED = "business_account.meta_news"
    NUMBER_SENDING_PATH_CHANGED = "phone_number.meta_news"


ACTION_SENTENCES: dict[str, str] = {
    Action.TEMPLATE_STATUS_CHANGED: "The template's status changed",
    Action.TEMPLATE_QUALITY_CHANGED: "The template's quality rating changed",
    Action.TEMPLATE_CATEGORY_CHANGED: "The template's category changed",
    Action.TEMPLATE_CORRECT_CATEGORY_DETECTED: "Meta found the template's correct category",
    Action.TEMPLATE_COMPONENTS_CHANGED: "The template's content changed",
    Action.TEMPLATE_ADDED_IN_ADMIN: "Template added in the admin",
    Action.TEMPLATE_CHANGED_IN_ADMIN: "Template changed in the admin",
    Action.TEMPLATE_DELETED_IN_ADMIN: "Template deleted in the admin",
    Action.TEMPLATE_DELETED: "Template deleted",
    Action.TEMPLATE_UNPAUSE_REQUESTED: "Meta was asked to lift the template's pause",
    Action.CAMPAIGN_PAUSED: "Campaign paused",
    Action.CAMPAIGN_RESUMED: "Campaign resumed",
    Action.CAMPAIGN_TEMPLATE_SWITCHED: "Campaign moved to another template",
    Action.CAMPAIGN_FALLBACKS_SET: "Campaign's fallback templates set",
    Action.CAMPAIGN_CANCELLED: "Campaign cancelled",
    Action.CAMPAIGN_DELETED: "Campaign deleted",
    Action.CAMPAIGN_ADDED_IN_ADMIN: "Campaign added in the admin",
    Action.CAMPAIGN_CHANGED_IN_ADMIN: "Campaign changed in the admin",
    Action.CAMPAIGN_DELETED_IN_ADMIN: "Campaign deleted in the admin",
    Action.ALERT_ACKNOWLEDGED: "Alert acknowledged",
    Action.ALERT_RESOLVED: "Alert resolved",
    Action.ACCOUNT_TOKEN_INVALID: "The business account's Meta access token stopped working",
    Action.ACCOUNT_CLAIMED: "Business account claimed from another organization",
    Action.ACCOUNT_RELEASED: "Business account released to the organization that owns it",
    Action.ACCOUNT_SENDING_PATH_CHANGED: "Meta's news about the business account",
    Action.NUMBER_SENDING_PATH_CHANGED: "Meta's news about the phone number",
}


def action_sentence(code: str) -> str:
    """The sentence for an action code; a code nobody listed still reads as words
    (`template.renamed` → "Template renamed")."""
    if code in ACTION_SENTENCES:
        return ACTION_SENTENCES[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
