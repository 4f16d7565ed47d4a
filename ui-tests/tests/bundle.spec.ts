import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as zlib from 'zlib';

import { packageVisibleNotebook } from './helpers';

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
  test('options change the live preview, the Dockerfile can be edited and reset, and the bundle downloads', async ({
    page
  }) => {
    await page.notebook.createNew('bundled.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import json');
    await page.notebook.runCell(0);

    const panel = await packageVisibleNotebook(page);
    const section = panel.locator('[data-dockerize="bundle"]');
    await expect(section).toBeVisible({ timeout: 60000 });
    await expect(
      section.getByRole('heading', { name: 'Dockerfile' })
    ).toBeVisible();
    const preview = section.locator('[data-dockerize="bundle-file-text"]');
    await expect(preview).toHaveAttribute('data-file', 'Dockerfile');
    await expect(preview).toContainText('FROM python:');
    await expect(preview).not.toContainText('uv pip install');

    // The template changes the preview.
    await section.getByLabel('Template', { exact: true }).selectOption('uv');
    await expect(preview).toContainText('uv pip install');

    // Other generated files are one click away.
    const files = section.locator('.jp-Dockerize-fileList');
    await expect(files).toContainText('requirements.txt');
    await expect(files).toContainText('notebooks/bundled.ipynb');
    await section
      .getByRole('button', { name: 'compose.yaml', exact: true })
      .click();
    await expect(preview).toHaveAttribute('data-file', 'compose.yaml');
    await expect(preview).toContainText('services:');
    await section
      .getByRole('button', { name: 'Dockerfile', exact: true })
      .click();

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
    await expect(preview).toContainText('bundled');

    // Edit, see the badge, then Reset to the generated text.
    const generated = await preview.textContent();
    await section.getByRole('button', { name: 'Edit', exact: true }).click();
    const editor = section.locator('[data-dockerize="bundle-editor"]');
    await expect(editor).toHaveValue(generated!);
    await editor.fill(`${generated}# my edit\n`);
    const badge = section.locator('[data-dockerize="bundle-edited"]');
    await expect(badge).toHaveText('edited');
    await section.getByRole('button', { name: 'Done', exact: true }).click();
    await expect(preview).toContainText('# my edit');

    // Tall enough for the whole section in one picture (the sidebar keeps its width).
    await page.setViewportSize({ width: 1024, height: 2200 });
    await section.screenshot({
      path: test.info().outputPath('bundle-section.png')
    });

    await section.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect(badge).toHaveCount(0);
    await expect(preview).not.toContainText('# my edit');
    expect(await preview.textContent()).toBe(generated);

    // Download: needs POST jupyterlab-dockerize/bundle on the server.
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      download.click()
    ]);
    expect(file.suggestedFilename()).toBe('bundled.zip');
    const zip = readZip(fs.readFileSync((await file.path())!));
    const names = [...zip.keys()].filter(entry => !entry.endsWith('/'));
    expect(names.every(entry => entry.startsWith('bundled/'))).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining(
        [
          'Dockerfile',
          'requirements.txt',
          'notebooks/bundled.ipynb',
          'README.md',
          'compose.yaml',
          'data/readme.md'
        ].map(entry => `bundled/${entry}`)
      )
    );
    expect(zip.get('bundled/Dockerfile')!.toString('utf8')).toBe(generated);
    await expect(
      section.locator('[data-dockerize="bundle-downloaded"]')
    ).toContainText('bundled.zip');
  });
});
