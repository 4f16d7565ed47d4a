import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as zlib from 'zlib';

import {
  editorText,
  notebookTab,
  openNotebookTab,
  packageVisibleNotebook
} from './helpers';

/** The entries of a zip file, read from its central directory: name → text. */
function readZip(buffer: Buffer): Map<string, Buffer> {
  let end = buffer.length - 22;
  while (end >= 0 && buffer.readUInt32LE(end) !== 0x06054b50) {
    end--;
  }
  if (end < 0) {
    throw new Error('not a zip file (no end of central directory)');
  }
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) {
      throw new Error('broken central directory');
    }
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const start =
      local +
      30 +
      buffer.readUInt16LE(local + 26) +
      buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + size);
    entries.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

test.describe('Dockerfile bundle', () => {
  test('options in the panel change the live preview in the notebook tab, data files come from the file dialog, the edited Dockerfile downloads, Reset restores it', async ({
    page,
    tmpPath
  }) => {
    const csv = 'city,sales\nLyon,3\n';
    await page.contents.uploadContent(csv, 'text', `${tmpPath}/data/sales.csv`);
    await page.notebook.createNew('bundled.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import json');
    await page.notebook.runCell(0);

    const panel = await packageVisibleNotebook(page);
    const section = panel.locator('[data-dockerize="bundle"]');
    await expect(section).toBeVisible({ timeout: 60000 });
    await expect(
      section.getByRole('heading', { name: 'Dockerfile' })
    ).toBeVisible();

    // The files open in the notebook's tab in the main area, beside the options.
    const tab = await openNotebookTab(page, section, 'dockerfile');
    await expect(tab.locator('[data-dockerize="tab-notebook"]')).toHaveText(
      `${tmpPath}/bundled.ipynb`
    );
    // The preview is a read-only JupyterLab editor (CodeMirror).
    const preview = tab.locator('[data-dockerize="bundle-file-text"]');
    await expect(preview).toHaveAttribute('data-file', 'Dockerfile');
    await expect(preview.locator('.cm-editor')).toHaveClass(/jp-mod-readOnly/);
    await expect.poll(() => editorText(preview)).toContain('FROM python:');
    // uv is the default template (schema/plugin.json).
    expect(await editorText(preview)).toContain('uv pip install');

    // Every template has a label; the template changes the preview.
    const template = section.getByLabel('Template', { exact: true });
    const labels = await template.locator('option').allTextContents();
    expect(labels.length).toBeGreaterThanOrEqual(5);
    expect(labels).toEqual(
      expect.arrayContaining(['uv on python-slim', 'conda (environment.yml)'])
    );
    // A template without the offline wheelhouse says why, in words beside the box.
    const wheelhouse = section.locator('[data-dockerize="bundle-wheelhouse"]');
    await expect(wheelhouse).toBeEnabled();
    await template.selectOption('conda');
    await expect(wheelhouse).toBeDisabled();
    await expect(
      section.locator('[data-dockerize="bundle-wheelhouse-why"]')
    ).toHaveText(
      'Not with conda (environment.yml): it installs from its own channels.'
    );
    await template.selectOption('pip');
    await expect
      .poll(() => editorText(preview))
      .toContain('pip install -r requirements.txt');
    // The default builder is BuildKit: pip's downloads stay in a cache mount.
    expect(await editorText(preview)).toContain(
      'RUN --mount=type=cache,id=dockerize-pip,target=/root/.cache/pip'
    );
    expect(await editorText(preview)).not.toContain('uv pip install');

    // Other generated files are one click away, each in its own editor.
    const files = tab.locator('.jp-Dockerize-fileList');
    await expect(files).toContainText('requirements.txt');
    await expect(files).toContainText('notebooks/bundled.ipynb');
    await files
      .getByRole('button', { name: 'compose.yaml', exact: true })
      .click();
    await expect(preview).toHaveAttribute('data-file', 'compose.yaml');
    await expect.poll(() => editorText(preview)).toContain('services:');
    await files
      .getByRole('button', { name: 'Dockerfile', exact: true })
      .click();
    await expect(preview).toHaveAttribute('data-file', 'Dockerfile');

    // Live validation of the image name with Docker's own words.
    const download = section.locator('[data-dockerize="bundle-download"]');
    const name = section.getByLabel('Image name', { exact: true });
    await name.fill('Alice/My Notebook');
    const nameError = section.locator(
      '[data-dockerize="bundle-error-imageName"]'
    );
    await expect(nameError).toBeVisible();
    await expect(nameError).toContainText(/invalid|character|format/i);
    await expect(name).toHaveAttribute('aria-invalid', 'true');
    await expect(download).toBeDisabled();
    await name.fill('localhost:5000/alice/bundled');
    await expect(nameError).toHaveCount(0);
    await expect(download).toBeEnabled();
    await section.getByLabel('Tag', { exact: true }).fill('v1');
    await expect
      .poll(() => editorText(preview))
      .toContain('org.opencontainers.image.title="alice/bundled"');

    // Data files come from JupyterLab's file dialog; a folder is refused.
    const dataFiles = section.locator('[data-dockerize="bundle-data-files"]');
    const dialog = page.locator('.jp-Dialog');
    const dialogItem = (label: string) =>
      dialog.locator('.jp-DirListing-item', {
        has: page.locator('.jp-DirListing-itemText', { hasText: label })
      });
    await dataFiles.getByRole('button', { name: 'Add data files…' }).click();
    await expect(dialogItem('bundled.ipynb')).toBeVisible();
    await dialogItem('data').click();
    await dialog.getByRole('button', { name: 'Select' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(
      dataFiles.locator('[data-dockerize="bundle-data-files-notice"]')
    ).toContainText('Folders cannot be data files');
    await expect(dataFiles.locator('li')).toHaveCount(0);

    await dataFiles.getByRole('button', { name: 'Add data files…' }).click();
    await dialogItem('data').dblclick();
    await dialogItem('sales.csv').click();
    await dialog.getByRole('button', { name: 'Select' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(
      dataFiles.locator('[data-dockerize="bundle-data-files-notice"]')
    ).toHaveCount(0);
    const dataFile = dataFiles.locator(
      `li[data-path="${tmpPath}/data/sales.csv"]`
    );
    await expect(dataFile).toBeVisible();
    await expect(files).toContainText('data/sales.csv');

    // Edit: type into the editor; the badge tells the Dockerfile is the user's.
    const generated = await editorText(preview);
    await tab.getByRole('button', { name: 'Edit', exact: true }).click();
    await expect(preview.locator('.cm-editor')).not.toHaveClass(
      /jp-mod-readOnly/
    );
    await preview.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('# my edit');
    const edited = `${generated}# my edit`;
    await expect.poll(() => editorText(preview)).toBe(edited);
    const badge = tab.locator('[data-dockerize="bundle-edited"]');
    await expect(badge).toHaveText('edited');
    // Why it matters is said in words, in the tab and in the panel (no tooltip).
    await expect(
      tab.locator('[data-dockerize="bundle-edited-note"]')
    ).toContainText('instead of the generated Dockerfile');
    await expect(
      section.locator('[data-dockerize="bundle-edited-summary"]')
    ).toBeVisible();
    await tab.getByRole('button', { name: 'Done', exact: true }).click();
    await expect(preview.locator('.cm-editor')).toHaveClass(/jp-mod-readOnly/);

    // Switching files keeps the edit and the data files.
    await files.getByRole('button', { name: 'README.md', exact: true }).click();
    await expect(preview).toHaveAttribute('data-file', 'README.md');
    await expect
      .poll(() => editorText(preview))
      .toContain('localhost:5000/alice/bundled:v1');
    await files
      .getByRole('button', { name: 'Dockerfile', exact: true })
      .click();
    expect(await editorText(preview)).toBe(edited);
    await expect(dataFile).toBeVisible();
    // Opening it again brings back the same tab, not a second one.
    await openNotebookTab(page, section, 'dockerfile');
    await expect(
      page.locator('#jp-main-dock-panel .jp-Dockerize-tabWidget')
    ).toHaveCount(1);
    expect(
      await editorText(
        notebookTab(page).locator('[data-dockerize="bundle-file-text"]')
      )
    ).toBe(edited);

    // The tab with the edited Dockerfile at full width.
    await tab.screenshot({
      path: test.info().outputPath('bundle-tab.png')
    });
    // Tall enough for the whole section in one picture (the sidebar keeps its width).
    await page.setViewportSize({ width: 1024, height: 2200 });
    await section.screenshot({
      path: test.info().outputPath('bundle-section.png')
    });

    // Download: needs POST jupyterlab-dockerize/bundle on the server.
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      download.click()
    ]);
    expect(file.suggestedFilename()).toBe('bundled.zip');
    const zip = readZip(fs.readFileSync((await file.path())!));
    const names = [...zip.keys()].filter(entry => !entry.endsWith('/'));
    expect(names.every(entry => entry.startsWith('bundled/'))).toBe(true);
    // Exactly what the preview lists: the generated files and the workspace ones.
    const previewed = [
      ...(await files
        .locator('.jp-Dockerize-fileButton')
        .evaluateAll(buttons =>
          buttons.map(button => button.getAttribute('data-file')!)
        )),
      ...(await files
        .locator('.jp-Dockerize-includedFile > span:first-child')
        .allTextContents())
    ];
    expect(names.sort()).toEqual(
      previewed.map(entry => `bundled/${entry}`).sort()
    );
    expect(names).toEqual(
      expect.arrayContaining(
        [
          '.dockerignore',
          'Dockerfile',
          'README.md',
          'compose.yaml',
          'data/readme.md',
          'data/sales.csv',
          'notebooks/bundled.ipynb',
          'requirements.txt',
          'runtime.txt'
        ].map(entry => `bundled/${entry}`)
      )
    );
    expect(zip.get('bundled/Dockerfile')!.toString('utf8')).toBe(edited);
    expect(zip.get('bundled/data/sales.csv')!.toString('utf8')).toBe(csv);
    await expect(
      section.locator('[data-dockerize="bundle-downloaded"]')
    ).toContainText('bundled.zip');

    // Reset: back to the generated Dockerfile, read-only.
    await tab.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect(badge).toHaveCount(0);
    await expect.poll(() => editorText(preview)).toBe(generated);
    await expect(preview.locator('.cm-editor')).toHaveClass(/jp-mod-readOnly/);

    // Removing the data file takes it out of the bundle.
    await dataFile
      .getByRole('button', { name: `Remove ${tmpPath}/data/sales.csv` })
      .click();
    await expect(dataFile).toHaveCount(0);
    await expect(files).not.toContainText('data/sales.csv');
  });
});
