// The features' tables on a cell's context (db.Documents, db.Users, …) are extension properties of each feature
// (Features/<X>/<X>Data.cs); tests reach into cells often, so they see them all without importing every feature's types.
global using static Sigill.Api.Features.Accounts.AccountsData;
global using static Sigill.Api.Features.ApiTokens.ApiTokensData;
global using static Sigill.Api.Features.BulkSend.BulkSendData;
global using static Sigill.Api.Features.Documents.DocumentsData;
global using static Sigill.Api.Features.Organizations.OrganizationsData;
global using static Sigill.Api.Features.Signing.SigningData;
global using static Sigill.Api.Features.StaffAccess.StaffAccessData;
global using static Sigill.Api.Features.Templates.TemplatesData;
global using static Sigill.Api.Features.Webhooks.WebhooksData;
