using System.Text.Json;
using Microsoft.Playwright;

namespace Funnel.App.Tests.Pages;

/// <summary>
/// A small accessibility audit run inside the page: the checks that catch the usual mistakes (the full WCAG is
/// more; axe-core is not in our package sources). Each finding names the element.
/// </summary>
public static class Accessibility
{
    private const string Audit = """
        () => {
          const found = [];
          const name = e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : ""}`;
          const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) && getComputedStyle(e).visibility !== "hidden";
          if (!document.documentElement.lang) found.push("html has no lang");
          if (!document.title) found.push("the page has no title");
          if (!document.querySelector("h1")) found.push("the page has no h1");
          for (const e of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
            const labelled = (e.labels && e.labels.length) || e.getAttribute("aria-label") || e.getAttribute("aria-labelledby");
            if (!labelled) found.push(`${name(e)} has no label`);
          }
          for (const e of document.querySelectorAll("button, a[href]")) {
            if (visible(e) && !(e.textContent.trim() || e.getAttribute("aria-label"))) found.push(`${name(e)} has no accessible name`);
          }
          for (const e of document.querySelectorAll("img")) {
            if (visible(e) && !e.hasAttribute("alt")) found.push(`${name(e)} has no alt`);
          }
          // Contrast (WCAG AA): text against the first opaque background behind it.
          const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          const background = e => { for (let n = e; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3); } return [255, 255, 255]; };
          for (const e of document.querySelectorAll("body *")) {
            if (!visible(e) || e.closest("svg")) continue;
            const ownText = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!ownText) continue;
            const style = getComputedStyle(e);
            const fg = rgb(style.color).slice(0, 3), bg = background(e);
            const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
            if (ratio < (large ? 3 : 4.5) && !e.disabled) found.push(`${name(e)} contrast ${ratio.toFixed(2)}:1 ("${e.textContent.trim().slice(0, 30)}")`);
          }
          return found;
        }
        """;

    /// <summary>Fails with every finding on the page as it is now.</summary>
    public static async Task AssertCleanAsync(IPage page)
    {
        var findings = await page.EvaluateAsync<JsonElement>(Audit);
        var list = findings.EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.True(list.Count == 0, $"Accessibility findings on {page.Url}:\n" + string.Join("\n", list));
    }

    /// <summary>Every interactive element is reachable with Tab: walks the focus order and returns what got focus.</summary>
    public static async Task<List<string>> TabOrderAsync(IPage page, int presses)
    {
        var seen = new List<string>();
        for (var i = 0; i < presses; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            seen.Add(await page.EvaluateAsync<string>("() => { const e = document.activeElement; return e ? (e.id || e.textContent.trim().slice(0, 40) || e.tagName) : ''; }"));
        }
        return seen;
    }
}
