using System.Globalization;
using System.Text;

namespace MultichannelMessages.Front.Components.Charts;

/// <summary>
/// A chart's numbers as CSV (CsvHelper, RFC 4180), for a spreadsheet: the headers as the table view shows them, the
/// rows by their key where they have one (a day as yyyy-MM-dd), and the values as plain invariant numbers (seconds,
/// percentages 0–100) rather than as formatted for reading. A label a spreadsheet would run as a formula is escaped.
/// </summary>
public static class ChartCsv
{
    public static string Of(ChartTable table)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvHelper.CsvWriter.Create(text, new CsvHelper.CsvWriterOptions { Injection = CsvHelper.CsvInjection.Escape }, true))
        {
            csv.WriteHeader([table.RowHeader, .. table.Columns.Select(c => c.Name)]);
            foreach (var row in table.Rows)
                csv.WriteRecord([row.Key ?? row.Label, .. row.Values.Select(v => v?.ToString("0.###", CultureInfo.InvariantCulture) ?? "")]);
            csv.Flush();
        }
        return text.ToString();
    }

    /// <summary>The CSV as a link's address (UTF-8 with a byte order mark, so spreadsheets read accents): the download
    /// needs no script and no request to the server.</summary>
    public static string DataUri(ChartTable table) =>
        "data:text/csv;charset=utf-8;base64," + Convert.ToBase64String([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Of(table))]);

    /// <summary>A file name from the caption: letters, digits and dashes.</summary>
    public static string FileName(string caption)
    {
        var name = new StringBuilder();
        foreach (var c in caption.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsAsciiLetterOrDigit(c)) name.Append(char.ToLowerInvariant(c));
            else if (name.Length > 0 && name[^1] != '-') name.Append('-');
        }
        var stem = name.ToString().Trim('-');
        return (stem.Length == 0 ? "chart" : stem[..Math.Min(stem.Length, 60)]) + ".csv";
    }
}
