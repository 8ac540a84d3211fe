// The funnel's daily trend as small multiples in one inline SVG (no library): a row of day bars per measure, each
// scaled to its own busiest day, with the period's total at the end. A text summary stands in for screen readers.
import { count, money } from "./common.js";

const measures = [
  { key: "scans", label: "Scans" },
  { key: "joined", label: "Joins" },
  { key: "trialsCompleted", label: "Trials done" },
  { key: "purchases", label: "Purchases" },
  { key: "revenue", label: "Revenue", money: true },
];

/** Draws `daily` (the API's trend: one entry per day, oldest first) into `container`. */
export function drawTrend(container, daily, currency) {
  const ns = "http://www.w3.org/2000/svg";
  const rows = measures.filter(m => !m.money || daily.every(d => d.revenue !== null && d.revenue !== undefined));
  const rowHeight = 38, labelWidth = 100, totalWidth = 100, width = 560;
  const plot = width - labelWidth - totalWidth;
  const step = plot / Math.max(1, daily.length);
  const svg = document.createElementNS(ns, "svg");
  const axis = 18;
  svg.setAttribute("viewBox", `0 0 ${width} ${rowHeight * rows.length + axis}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "trend-chart");
  const format = (m, v) => (m.money ? money(v, currency) : count(v));
  const totals = Object.fromEntries(rows.map(m => [m.key, daily.reduce((sum, d) => sum + Number(d[m.key] ?? 0), 0)]));
  const first = daily[0]?.day, last = daily[daily.length - 1]?.day;
  const summary = `Daily trend${first ? ` from ${first} to ${last}` : ""}: ` + rows.map(m => {
    const peak = daily.reduce((best, d) => (Number(d[m.key] ?? 0) > Number(best?.[m.key] ?? 0) ? d : best), null);
    return `${m.label} ${format(m, totals[m.key])}${peak ? `, most on ${peak.day}` : ""}`;
  }).join("; ");
  svg.setAttribute("aria-label", summary);
  const title = document.createElementNS(ns, "title");
  title.textContent = summary;
  svg.append(title);
  rows.forEach((m, r) => {
    const y = r * rowHeight;
    const top = Math.max(1, ...daily.map(d => Number(d[m.key] ?? 0)));
    const text = (x, content, anchor) => {
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", x);
      t.setAttribute("y", y + rowHeight / 2 + 5);
      t.setAttribute("text-anchor", anchor);
      t.setAttribute("class", "label");
      t.textContent = content;
      svg.append(t);
    };
    text(labelWidth - 8, m.label, "end");
    daily.forEach((d, i) => {
      const value = Number(d[m.key] ?? 0);
      const h = value === 0 ? 1 : Math.max(2, ((rowHeight - 10) * value) / top);
      const bar = document.createElementNS(ns, "rect");
      bar.setAttribute("x", labelWidth + i * step + step * 0.1);
      bar.setAttribute("y", y + rowHeight - 4 - h);
      bar.setAttribute("width", Math.max(1, step * 0.8));
      bar.setAttribute("height", h);
      bar.setAttribute("class", `bar bar-${r}${value === 0 ? " zero" : ""}`);
      bar.dataset.day = d.day;
      bar.dataset.value = String(value);
      svg.append(bar);
    });
    text(width - 4, format(m, totals[m.key]), "end");
  });
  // The period's first and last day under the bars: the x-axis is the calendar.
  for (const [x, day, anchor] of [[labelWidth, first, "start"], [labelWidth + plot, last, "end"]]) {
    if (!day) continue;
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", x);
    t.setAttribute("y", rowHeight * rows.length + axis - 4);
    t.setAttribute("text-anchor", anchor);
    t.setAttribute("class", "axis");
    t.textContent = day;
    svg.append(t);
  }
  container.replaceChildren(svg);
  container.dataset.values = JSON.stringify(totals);
  container.dataset.days = String(daily.length);
}
