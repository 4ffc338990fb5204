using System.Collections.Frozen;
using System.Reflection;
using Sigill.Http;
using Sigill.Pdf;

namespace Sigill.Api.Platform.Errors;

/// <summary>
/// The closed set of problem codes (the <c>code</c> member of every problem-details answer), each with the statuses it
/// is answered with. Clients branch on these strings, so they never change once published; docs/errors.md documents
/// each one, and a test compares this set with that table both ways. Handlers name a code from here, never a literal.
/// The libraries below the API tier that write or raise a code themselves (the request limits both tiers enforce, the
/// PDF reader) keep its literal, and it is listed here by reference.
/// </summary>
public static class ErrorCodes
{
    [Status(401)]
    public const string ServiceCredentialRequired = "service_credential_required";

    [Status(401)]
    public const string Unauthorized = "unauthorized";

    [Status(403)]
    public const string Forbidden = "forbidden";

    [Status(404)]
    public const string NotFound = "not_found";

    [Status(400)]
    public const string ValidationFailed = "validation_failed";

    [Status(422)]
    public const string CardNumberDetected = "card_number_detected";

    [Status(400)]
    public const string BadRequest = RequestLimitsMiddleware.BadRequest;

    [Status(403)]
    public const string SetupTokenInvalid = "setup_token_invalid";

    [Status(409)]
    public const string AuditEventPending = "audit_event_pending";

    [Status(410)]
    public const string AuditEventErased = "audit_event_erased";

    [Status(409)]
    public const string Conflict = "conflict";

    [Status(405)]
    public const string MethodNotAllowed = "method_not_allowed";

    [Status(415)]
    public const string UnsupportedMediaType = "unsupported_media_type";

    [Status(413)]
    public const string PayloadTooLarge = RequestLimitsMiddleware.PayloadTooLarge;

    [Status(400)]
    public const string MultipartMalformed = RequestLimitsMiddleware.MultipartMalformed;

    [Status(429)]
    public const string RateLimited = "rate_limited";

    [Status(503)]
    public const string StoreUnavailable = "store_unavailable";

    [Status(507)]
    public const string StorageFull = "storage_full";

    [Status(429)]
    public const string TooManyAttempts = "too_many_attempts";

    [Status(401)]
    public const string SignInFailed = "sign_in_failed";

    [Status(401)]
    public const string ChallengeInvalid = "challenge_invalid";

    [Status(401, 403)]
    public const string SecondFactorFailed = "second_factor_failed";

    [Status(409)]
    public const string SecondFactorEnabled = "second_factor_enabled";

    [Status(409)]
    public const string SecondFactorNotPending = "second_factor_not_pending";

    [Status(403)]
    public const string PasswordIncorrect = "password_incorrect";

    [Status(403)]
    public const string SignUpClosed = "sign_up_closed";

    [Status(404)]
    public const string SignUpLinkInvalid = "sign_up_link_invalid";

    [Status(404)]
    public const string PasswordResetLinkInvalid = "password_reset_link_invalid";

    [Status(404)]
    public const string PrivacyRequestLinkInvalid = "privacy_request_link_invalid";

    [Status(409)]
    public const string PrivacyRequestClosed = "privacy_request_closed";

    [Status(404)]
    public const string InvitationInvalid = "invitation_invalid";

    [Status(404)]
    public const string SsoNotConfigured = "sso_not_configured";

    [Status(400)]
    public const string EmbedOriginInvalid = "embed_origin_invalid";

    [Status(400)]
    public const string EmbedOriginNotRegistered = "embed_origin_not_registered";

    [Status(410)]
    public const string EmbedUrlUsedOrExpired = "embed_url_used_or_expired";

    /// <summary>An embedded sending URL asked for with an organization token and no <c>userId</c>: the URL acts as a person.</summary>
    [Status(400)]
    public const string EmbedUserRequired = "embed_user_required";

    /// <summary>The <c>userId</c> of an embedded sending URL is not a member who can write documents, or the caller may not name another member.</summary>
    [Status(400)]
    public const string EmbedUserInvalid = "embed_user_invalid";

    /// <summary>An embedded sending session (scoped to one document) called a route outside that document.</summary>
    [Status(403)]
    public const string EmbedSessionOutOfScope = "embed_session_out_of_scope";

    [Status(400)]
    public const string SsoIssuerRefused = "sso_issuer_refused";

    [Status(400)]
    public const string SsoDiscoveryFailed = "sso_discovery_failed";

    [Status(409)]
    public const string SsoDomainTaken = "sso_domain_taken";

    [Status(400)]
    public const string SsoStateInvalid = "sso_state_invalid";

    [Status(401)]
    public const string SsoCodeRejected = "sso_code_rejected";

    [Status(401)]
    public const string SsoIdTokenInvalid = "sso_id_token_invalid";

    [Status(403)]
    public const string SsoEmailUnverified = "sso_email_unverified";

    [Status(403)]
    public const string SsoDomainNotAllowed = "sso_domain_not_allowed";

    [Status(409)]
    public const string SsoAccountExists = "sso_account_exists";

    [Status(502)]
    public const string SsoProviderError = "sso_provider_error";

    [Status(403)]
    public const string SsoRequired = "sso_required";

    [Status(403)]
    public const string SsoSessionBound = "sso_session_bound";

    [Status(404)]
    public const string RegionNotServed = "region_not_served";

    [Status(403)]
    public const string RoleNotAssignable = "role_not_assignable";

    [Status(409)]
    public const string LastOwner = "last_owner";

    [Status(409)]
    public const string AccessReviewOpen = "access_review_open";

    [Status(409)]
    public const string AccessReviewIncomplete = "access_review_incomplete";

    [Status(409)]
    public const string AccessReviewClosed = "access_review_closed";

    [Status(403)]
    public const string SessionRequired = "session_required";

    [Status(403)]
    public const string ScopeNotHeld = "scope_not_held";

    [Status(404)]
    public const string OrganizationNotFound = "organization_not_found";

    [Status(403)]
    public const string SecondOperatorRequired = "second_operator_required";

    [Status(500)]
    public const string InternalError = "internal_error";

    [Status()]
    public const string Error = "error";

    [Status(400)]
    public const string PdfMalformed = PdfErrorCodes.Malformed;

    [Status(400)]
    public const string PdfEncrypted = PdfErrorCodes.Encrypted;

    [Status(400)]
    public const string PdfActiveContent = PdfErrorCodes.ActiveContent;

    [Status(400)]
    public const string PdfTooComplex = PdfErrorCodes.TooComplex;

    [Status(413)]
    public const string PdfTooLarge = PdfErrorCodes.TooLarge;

    [Status(400)]
    public const string PdfAlreadySigned = "pdf_already_signed";

    [Status(400)]
    public const string FieldOffPage = "field_off_page";

    [Status(400)]
    public const string FieldSettingsInvalid = "field_settings_invalid";

    [Status(400)]
    public const string FieldOptionUnsupported = "field_option_unsupported";

    [Status(400)]
    public const string FieldConditionInvalid = "field_condition_invalid";

    [Status(400)]
    public const string FieldConditionCycle = "field_condition_cycle";

    [Status(400)]
    public const string FieldValueInvalid = "field_value_invalid";

    [Status(400)]
    public const string FieldHidden = "field_hidden";

    [Status(400)]
    public const string FieldNotYours = "field_not_yours";

    [Status(400)]
    public const string FieldFormulaInvalid = "field_formula_invalid";

    [Status(400)]
    public const string FieldFormulaFailed = "field_formula_failed";

    [Status(400)]
    public const string FieldReadOnly = "field_read_only";

    [Status(409)]
    public const string DocumentNotDraft = "document_not_draft";

    [Status(409)]
    public const string DocumentStateConflict = "document_state_conflict";

    [Status(409)]
    public const string SignerWithoutFields = "signer_without_fields";

    [Status(409)]
    public const string RecipientFinished = "recipient_finished";

    [Status(429)]
    public const string ResendTooSoon = "resend_too_soon";

    [Status(409)]
    public const string DocumentNotCompleted = "document_not_completed";

    [Status(400)]
    public const string TemplateSyntaxError = "template_syntax_error";

    [Status(400)]
    public const string TemplateTagNotAllowed = "template_tag_not_allowed";

    [Status(400)]
    public const string TemplateFilterUnknown = "template_filter_unknown";

    [Status(400)]
    public const string TemplateTooExpensive = "template_too_expensive";

    [Status(400)]
    public const string TemplateVariableUnknown = "template_variable_unknown";

    [Status(400)]
    public const string TemplateBlockUnknown = "template_block_unknown";

    [Status(400)]
    public const string TemplateRenderFailed = "template_render_failed";

    [Status(400)]
    public const string PricingInvalid = "pricing_invalid";

    [Status(409)]
    public const string ContentBlockExists = "content_block_exists";

    [Status(409)]
    public const string RecipientCannotAct = "recipient_cannot_act";

    [Status(409)]
    public const string SigningNotYourTurn = "signing_not_your_turn";

    [Status(409)]
    public const string SigningConsentRequired = "signing_consent_required";

    [Status(409)]
    public const string SigningViewRequired = "signing_view_required";

    [Status(400)]
    public const string SigningFieldsMissing = "signing_fields_missing";

    [Status(503)]
    public const string TimestampUnavailable = "timestamp_unavailable";

    [Status(409)]
    public const string SigningCertificateRevoked = "signing_certificate_revoked";

    [Status(400)]
    public const string SignatureImageInvalid = "signature_image_invalid";

    [Status(403)]
    public const string StepUpRequired = "step_up_required";

    [Status(400)]
    public const string StepUpFailed = "step_up_failed";

    [Status(400)]
    public const string StepUpCodeExpired = "step_up_code_expired";

    [Status(429)]
    public const string StepUpLocked = "step_up_locked";

    [Status(429)]
    public const string StepUpCodeRecentlySent = "step_up_code_recently_sent";

    [Status(409)]
    public const string StepUpNotRequired = "step_up_not_required";

    [Status(409)]
    public const string StepUpNotEmail = "step_up_not_email";

    [Status(400)]
    public const string WebhookTargetRefused = "webhook_target_refused";

    [Status(400)]
    public const string LogoInvalid = "logo_invalid";

    // Payments
    [Status(409)]
    public const string PaymentsNotConnected = "payments_not_connected";

    [Status(409)]
    public const string PaymentNotPossible = "payment_not_possible";

    [Status(422)]
    public const string PaymentAmountInvalid = "payment_amount_invalid";

    [Status(409)]
    public const string PaymentStateConflict = "payment_state_conflict";

    [Status(409)]
    public const string PaymentMismatch = "payment_mismatch";

    [Status(400)]
    public const string PaymentEventRefused = "payment_event_refused";

    [Status(503)]
    public const string PaymentProcessorUnavailable = "payment_processor_unavailable";

    [Status(502)]
    public const string PaymentProcessorRefused = "payment_processor_refused";

    // Privacy
    [Status(422)]
    public const string PrivacyExportTooLarge = "privacy_export_too_large";

    [Status(409)]
    public const string DeletionHeld = "deletion_held";

    [Status(409)]
    public const string HoldReleased = "hold_released";

    [Status(409)]
    public const string ErasureNotConfigured = "erasure_not_configured";

    [Status(400)]
    public const string DpaNotAccepted = "dpa_not_accepted";

    [Status(403)]
    public const string DpaOwnerOnly = "dpa_owner_only";

    [Status(409)]
    public const string DpaNotConfigured = "dpa_not_configured";

    /// <summary>Every code and its statuses; no statuses means "any other client error" (only <see cref="Error"/>).</summary>
    public static FrozenDictionary<string, IReadOnlyList<int>> All { get; } = typeof(ErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .ToFrozenDictionary(f => (string)f.GetRawConstantValue()!, f => f.GetCustomAttribute<StatusAttribute>()!.Statuses, StringComparer.Ordinal);

    [Status(410)]
    public const string DirectLinkGone = "direct_link_gone";

    [Status(400)]
    public const string CsvInvalid = "csv_invalid";

    [Status(400)]
    public const string SpreadsheetInvalid = "spreadsheet_invalid";

    [Status(400)]
    public const string BulkColumnsInvalid = "bulk_columns_invalid";

    [Status(400)]
    public const string BulkNoValidRows = "bulk_no_valid_rows";

    [Status(413)]
    public const string BulkFileTooLarge = "bulk_file_too_large";

    [Status(409)]
    public const string BulkSendFinished = "bulk_send_finished";

    [Status(400)]
    public const string LanguageUnsupported = "language_unsupported";

    [Status(413)]
    public const string AttachmentTooLarge = "attachment_too_large";

    [Status(415)]
    public const string AttachmentTypeRefused = "attachment_type_refused";

    [Status(400)]
    public const string AttachmentInvalid = "attachment_invalid";

    [Status(400)]
    public const string TranslationTooLarge = "translation_too_large";

    [Status(409)]
    public const string TranslationIsMainLanguage = "translation_is_main_language";

    [AttributeUsage(AttributeTargets.Field)]
    private sealed class StatusAttribute(params int[] statuses) : Attribute
    {
        public IReadOnlyList<int> Statuses { get; } = statuses;
    }
}
