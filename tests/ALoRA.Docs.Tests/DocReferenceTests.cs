using System.Text.RegularExpressions;

namespace ALoRA.Docs.Tests;

/// <summary>
/// What the code and the docs cite exists in the repository: every <c>docs/...</c> path named in code, manifests or
/// scripts is a file here, every section or heading it names is a heading of that file, every relative Markdown link
/// resolves, nothing cites documents that live outside the repository, and every page of <c>docs/</c> is linked from
/// the README.
/// </summary>
public sealed partial class DocReferenceTests
{
    [Fact]
    public void DocsPathsNamedInCode_AreFilesOfTheRepository()
    {
        var references = NonMarkdownReferences().ToList();
        var missing = references.Where(r => !RepositoryFiles.Exists(r.Target)).Select(r => $"{r.File}: {r.Target}").ToList();

        Assert.True(references.Count >= 20, $"expected the code to cite docs/ at least 20 times, found {references.Count}: the pattern is broken");
        Assert.True(missing.Count == 0, "docs/ paths named in code that are not in the repository:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void SectionsAndHeadingsCited_AreHeadingsOfTheCitedDoc()
    {
        var cited = RepositoryFiles.All
            .SelectMany(file => SectionCitation().Matches(RepositoryFiles.Read(file)).Select(m => (File: file, Match: m)))
            .ToList();
        var wrong = new List<string>();
        foreach (var (file, match) in cited)
        {
            var doc = "docs/" + match.Groups["doc"].Value;
            if (!RepositoryFiles.Exists(doc))
            {
                wrong.Add($"{file}: {doc} does not exist");
                continue;
            }

            var headings = Headings(RepositoryFiles.Read(doc));
            var ok = match.Groups["section"].Success
                ? headings.Any(h => h.StartsWith(match.Groups["section"].Value + ".", StringComparison.Ordinal))
                : headings.Any(h => h.StartsWith(match.Groups["heading"].Value, StringComparison.Ordinal));
            if (!ok)
            {
                wrong.Add($"{file}: {match.Value} names no heading of {doc} (headings: {string.Join(" | ", headings)})");
            }
        }

        Assert.True(cited.Count(c => c.Match.Groups["section"].Success) >= 15, $"expected at least 15 'docs/... section N' citations, found {cited.Count}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void RelativeMarkdownLinks_Resolve()
    {
        var broken = new List<string>();
        var links = 0;
        foreach (var file in RepositoryFiles.Markdown)
        {
            var folder = Path.GetDirectoryName(file) ?? "";
            foreach (Match m in MarkdownLink().Matches(RepositoryFiles.Read(file)))
            {
                var target = m.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith('#') || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                links++;
                var path = Path.Combine(folder, target.Split('#')[0]).Replace('\\', '/');
                if (!RepositoryFiles.Exists(path))
                {
                    broken.Add($"{file}: ({target})");
                }
            }
        }

        Assert.True(links >= 10, $"expected at least 10 relative links in the Markdown files, found {links}");
        Assert.True(broken.Count == 0, "broken relative links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void NothingCitesDocumentsOutsideTheRepository()
    {
        var self = typeof(DocReferenceTests).Namespace!.Replace("ALoRA.", "tests/ALoRA.", StringComparison.Ordinal) + "/";
        var hits = RepositoryFiles.All
            .Where(f => !f.StartsWith(self, StringComparison.Ordinal))
            .SelectMany(f => OutsideDocument().Matches(RepositoryFiles.Read(f)).Select(m => $"{f}: {m.Value}"))
            .ToList();

        Assert.True(hits.Count == 0, "citations of documents that are not in the repository:\n" + string.Join("\n", hits));
    }

    [Fact]
    public void EveryDocsPage_IsLinkedFromTheReadme()
    {
        var readme = RepositoryFiles.Read("README.md");
        var pages = RepositoryFiles.All.Where(f => f.StartsWith("docs/", StringComparison.Ordinal) && f.EndsWith(".md", StringComparison.Ordinal)).ToList();

        Assert.Contains("docs/architecture.md", pages);
        Assert.Contains("docs/operations.md", pages);
        Assert.Contains("docs/alora-method.md", pages);
        Assert.All(pages, page => Assert.Contains($"]({page})", readme, StringComparison.Ordinal));
    }

    [Fact]
    public void MethodDoc_StatesItsDeviationsFromThePaper()
    {
        var headings = Headings(RepositoryFiles.Read("docs/alora-method.md"));

        Assert.Contains(headings, h => h.Contains("differs from the paper", StringComparison.Ordinal));
    }

    private static IEnumerable<(string File, string Target)> NonMarkdownReferences() =>
        RepositoryFiles.NonMarkdown.SelectMany(f => DocsPath().Matches(RepositoryFiles.Read(f)).Select(m => (f, m.Value)));

    private static List<string> Headings(string markdown) =>
        markdown.Split('\n').Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim()).ToList();

    // A docs path not preceded by a path or a host, so relative Markdown links (../docs/...) and URLs are not taken.
    [GeneratedRegex(@"(?<![\w/.:-])docs/[\w./-]*\w")]
    private static partial Regex DocsPath();

    // "docs/alora-method.md section 4", "(docs/engine-notes.md, TorchSharp)", "(docs/operations.md, "Telemetry")".
    [GeneratedRegex(@"docs/(?<doc>[\w.-]+\.md)(?: section (?<section>\d+)|, ""?(?<heading>[A-Z][\w .'-]*?)""?\))")]
    private static partial Regex SectionCitation();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"(?<![\w-])(?:alora|conventions|orleans-facts|torchsharp-facts|real-services)\.md|\.\./shared/|shared/(?:spec|fixtures)")]
    private static partial Regex OutsideDocument();
}
