// Draws each figures chart with uPlot (served by the service) from the numbers in its
// data-chart attribute: median and p90 in hours as lines, counts as bars on a second axis.
'use strict';
(function () {
  if (typeof uPlot === 'undefined') return;
  const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
  for (const element of document.querySelectorAll('.chart[data-chart]')) {
    const data = JSON.parse(element.getAttribute('data-chart') || '{}');
    const width = Math.max(320, Math.min(element.clientWidth || 800, 900));
    const options = {
      width,
      height: 240,
      scales: {
        x: { time: true, range: (_u, min, max) => [min - (data.pad || 0), max + (data.pad || 0)] },
        hours: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        count: { auto: true, range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
      },
      axes: [{}, { scale: 'hours', label: 'hours', size: 60 }, { scale: 'count', label: 'handovers', side: 1, grid: { show: false } }],
      series: [
        {},
        { label: 'median (h)', scale: 'hours', stroke: '#0b4fa3', width: 2, spanGaps: true, points: { show: true } },
        { label: 'p90 (h)', scale: 'hours', stroke: '#a1120c', width: 2, dash: [6, 4], spanGaps: true, points: { show: true } },
        { label: 'count', scale: 'count', stroke: '#4a5260', fill: 'rgba(74, 82, 96, 0.25)', paths: bars, points: { show: false } },
      ],
    };
    element.textContent = '';
    const chart = new uPlot(options, [data.x || [], data.median || [], data.p90 || [], data.count || []], element);
    element.dataset.drawn = 'true';
    element.dataset.points = String((data.x || []).length);
    void chart;
  }
})();
