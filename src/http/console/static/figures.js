// Draws the takedown clock's chart with uPlot (served by the service) from the numbers in its
// data-chart attribute: one line per group (median hours to removal per period) and each mark
// of TAKEDOWN_TARGETS as a flat dashed line, so a line below a mark met it. The legend is the
// page's own (the same colours, in takedown.css), outside the chart's image.
'use strict';
(function () {
  if (typeof uPlot === 'undefined') return;
  const COLOURS = ['#16324f', '#0b4fa3', '#a1120c', '#1d6b33', '#7a4b00', '#6b2d8f', '#00707a'];
  for (const element of document.querySelectorAll('.chart[data-chart]')) {
    const data = JSON.parse(element.getAttribute('data-chart') || '{}');
    const x = data.x || [];
    const lines = data.lines || [];
    const marks = data.marks || [];
    const width = Math.max(300, Math.min(element.clientWidth || 800, 900));
    const series = [{}];
    const values = [x];
    lines.forEach((line, i) => {
      series.push({
        label: line.label,
        scale: 'hours',
        stroke: COLOURS[i % COLOURS.length],
        width: i === 0 ? 3 : 2,
        spanGaps: true,
        points: { show: true },
      });
      values.push(line.values);
    });
    for (const mark of marks) {
      series.push({ label: `${mark.label} mark`, scale: 'hours', stroke: '#4a5260', width: 1, dash: [4, 4], points: { show: false } });
      values.push(x.map(() => mark.hours));
    }
    const options = {
      width,
      height: 280,
      scales: {
        x: { time: true, range: (_u, min, max) => [min - (data.pad || 0), max + (data.pad || 0)] },
        hours: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [{}, { scale: 'hours', label: 'hours', size: 60 }],
      legend: { show: false },
      series,
    };
    element.textContent = '';
    const chart = new uPlot(options, values, element);
    element.dataset.drawn = 'true';
    element.dataset.points = String(x.length);
    element.dataset.lines = String(lines.length);
    void chart;
  }
})();
