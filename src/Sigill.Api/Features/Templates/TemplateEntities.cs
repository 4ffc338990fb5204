using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.Templates;

/// <summary>A Liquid document template. Name, body and declared variables are field tokens under the organization's key.</summary>
public sealed class Template
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string NameToken { get; set; }
    public required string BodyToken { get; set; }
    /// <summary>JSON array of the variable names the template declares (a field token).</summary>
    public required string VariablesToken { get; set; }
    /// <summary>The language of the main body (a code of <see cref="Sigill.Contracts.Languages"/>). Null for templates made before
    /// languages: they read as the organization's default language.</summary>
    public string? Language { get; set; }
    /// <summary>The translated bodies: a field token of JSON <c>{"sv": {"title": …, "body": …}, …}</c>, null when there are none (<see cref="TemplateTranslations"/>).</summary>
    public string? TranslationsToken { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime? UpdatedAt { get; set; }

    public const string NamePurpose = "template.name";
    public const string BodyPurpose = "template.body";
    public const string VariablesPurpose = "template.variables";
    public const string TranslationsPurpose = "template.translations";
}

/// <summary>A reusable piece of Liquid every template of the organization can include as <c>{{ blocks.NAME }}</c>.</summary>
public sealed class ContentBlock
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    /// <summary>Blind index of the name: unique per organization without storing the name in clear.</summary>
    public required string NameIndex { get; init; }
    public required string NameToken { get; init; }
    public required string BodyToken { get; set; }
    public DateTime CreatedAt { get; init; }

    public const string NamePurpose = "content-block.name";
    public const string BodyPurpose = "content-block.body";
}

internal sealed class TemplateConfiguration : IEntityTypeConfiguration<Template>
{
    public void Configure(EntityTypeBuilder<Template> builder)
    {
        builder.ToTable("templates");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasMaxLength(64);
        builder.Property(t => t.OrganizationId).HasMaxLength(64);
        builder.Property(t => t.Language).HasMaxLength(8);
        builder.HasIndex(t => t.OrganizationId);
    }
}

internal sealed class ContentBlockConfiguration : IEntityTypeConfiguration<ContentBlock>
{
    public void Configure(EntityTypeBuilder<ContentBlock> builder)
    {
        builder.ToTable("content_blocks");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).HasMaxLength(64);
        builder.Property(b => b.OrganizationId).HasMaxLength(64);
        builder.Property(b => b.NameIndex).HasMaxLength(128);
        builder.HasIndex(b => new { b.OrganizationId, b.NameIndex }).IsUnique();
    }
}
