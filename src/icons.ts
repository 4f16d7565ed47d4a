import { LabIcon } from '@jupyterlab/ui-components';

const containerSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M2 14h20v2.5a4.5 4.5 0 0 1-4.5 4.5h-11A4.5 4.5 0 0 1 2 16.5z"/>
    <rect x="4" y="9" width="4" height="4" rx="0.5"/>
    <rect x="9" y="9" width="4" height="4" rx="0.5"/>
    <rect x="14" y="9" width="4" height="4" rx="0.5"/>
    <rect x="9" y="4" width="4" height="4" rx="0.5"/>
  </g>
</svg>`;

export const dockerizeIcon = new LabIcon({
  name: 'jupyterlab-dockerize:container',
  svgstr: containerSvg
});
