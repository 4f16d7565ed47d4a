import { readFileSync } from 'fs';
import { join } from 'path';

import {
  DEFAULT_TEMPLATE,
  installFile,
  isTemplateId,
  mayHaveCompiler,
  needsBaseImage,
  supportsWheelhouse,
  templateById,
  templateLabel,
  TEMPLATE_IDS,
  TEMPLATES,
  wheelhouseFallback,
  wheelhouseHint
} from '../templates';
import { NB_UID } from '../templates/template';

const SCHEMA = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', '..', 'schema', 'plugin.json'),
    'utf8'
  )
);

const bracketed = { __: (msgid: string) => `[${msgid}]` };

describe('template registry', () => {
  it('lists the templates in the settings order, uv first by default', () => {
    expect(TEMPLATE_IDS).toEqual([
      'pip',
      'uv',
      'conda',
      'docker-stacks',
      'custom'
    ]);
    expect(TEMPLATES.map(template => template.id)).toEqual(TEMPLATE_IDS);
    expect(DEFAULT_TEMPLATE).toBe('uv');
    expect(new Set(TEMPLATE_IDS).size).toBe(TEMPLATE_IDS.length);
  });

  it('is what the settings schema offers, with the same default', () => {
    const property = SCHEMA.properties.defaultTemplate;
    expect(property.enum).toEqual([...TEMPLATE_IDS]);
    expect(property.default).toBe(DEFAULT_TEMPLATE);
  });

  it('finds a template by id, and nothing for an unknown or inherited name', () => {
    for (const template of TEMPLATES) {
      expect(templateById(template.id)).toBe(template);
      expect(isTemplateId(template.id)).toBe(true);
    }
    for (const name of ['pixi', '', 'toString', '__proto__', 'PIP']) {
      expect(templateById(name)).toBeUndefined();
      expect(isTemplateId(name)).toBe(false);
    }
    expect(isTemplateId(undefined)).toBe(false);
  });

  it('labels each template as the panel did, translated, an unknown one by its name', () => {
    expect(TEMPLATE_IDS.map(id => templateLabel(id))).toEqual([
      'pip on python-slim',
      'uv on python-slim',
      'conda (environment.yml)',
      'Jupyter Docker Stacks',
      'Custom base image'
    ]);
    expect(templateLabel('conda', bracketed)).toBe('[conda (environment.yml)]');
    expect(templateLabel('pixi')).toBe('pixi');
  });

  it('says which install file, wheelhouse and base image each template has', () => {
    const facts = TEMPLATE_IDS.map(id => [
      id,
      installFile(id),
      supportsWheelhouse(id),
      needsBaseImage(id)
    ]);
    expect(facts).toEqual([
      ['pip', 'requirements.txt', true, false],
      ['uv', 'requirements.txt', true, false],
      ['conda', 'environment.yml', false, false],
      ['docker-stacks', 'requirements.txt', true, false],
      ['custom', 'requirements.txt', true, true]
    ]);
    expect(supportsWheelhouse('pixi')).toBe(false);
    expect(needsBaseImage('pixi')).toBe(false);
    expect(installFile('pixi')).toBe('requirements.txt');
  });

  it('says why a template has no wheelhouse, and which one to switch to', () => {
    for (const template of TEMPLATES) {
      // A template without a wheelhouse must say why (warning and hint); one with, nothing.
      expect(template.noWheelhouse === undefined).toBe(
        template.supportsWheelhouse
      );
    }
    expect(wheelhouseHint('conda')).toBe(
      'The conda template installs from its channels.'
    );
    expect(wheelhouseHint('conda', bracketed)).toBe(
      '[The conda template installs from its channels.]'
    );
    expect(wheelhouseHint('uv')).toBe('');
    expect(wheelhouseHint('pixi')).toBe('');
    expect(wheelhouseFallback()).toBe('pip');
    expect(supportsWheelhouse(wheelhouseFallback())).toBe(true);
  });

  it('knows which images may have a compiler (only a custom base may)', () => {
    expect(TEMPLATE_IDS.filter(mayHaveCompiler)).toEqual(['custom']);
    expect(mayHaveCompiler('pixi')).toBe(false);
  });

  it('keeps every hook within what the Dockerfile skeleton accepts', () => {
    const python = { version: '3.11.7', minor: '3.11', full: '3.11.7' };
    for (const template of TEMPLATES) {
      const warnings: string[] = [];
      const base = template.baseImage({
        python,
        requested: 'python:3.11-slim',
        warnings
      });
      expect(base).toMatch(/^[a-z0-9][a-z0-9._/:-]*$/);
      for (const apt of [false, true]) {
        const setup = template.userSetup(apt);
        expect(setup.comments.every(line => line.startsWith('# '))).toBe(true);
        expect(setup.commands.filter(command => /\n|&&/.test(command))).toEqual(
          []
        );
      }
      const source = {
        file: 'requirements.txt' as const,
        jupyterPin:
          template.jupyter === 'install-line' ? 'jupyterlab==4.6.6' : null
      };
      const steps = [
        template.install(source),
        ...(template.installBuildkit ? [template.installBuildkit(source)] : [])
      ];
      for (const step of steps) {
        expect(step.commands.length).toBeGreaterThan(0);
        expect(
          [...step.commands, ...template.afterInstall].filter(command =>
            /\n|&&/.test(command)
          )
        ).toEqual([]);
        expect(step.comments.every(line => line.startsWith('# '))).toBe(true);
        expect(
          (step.mounts ?? []).every(mount =>
            mount.startsWith('--mount=type=cache,')
          )
        ).toBe(true);
      }
      // The classic step has no BuildKit part: it must build anywhere.
      expect(steps[0].mounts ?? []).toEqual([]);
      expect(steps[0].args ?? []).toEqual([]);
      expect(
        template.rootComment === null || template.rootComment.startsWith('# ')
      ).toBe(true);
      expect(
        template.installUser === null ||
          template.installUser.why.startsWith('# ')
      ).toBe(true);
      for (const ui of ['lab', 'notebook'] as const) {
        expect(template.command(ui).length).toBeGreaterThan(0);
      }
      expect(template.readmeContents.join('\n')).toContain(
        `\`${template.installFile}\``
      );
      expect(template.group).toBeGreaterThan(0);
      // requirements.txt is written from the plan; any other install file by its template.
      expect(template.renderInstallFile === undefined).toBe(
        template.installFile === 'requirements.txt'
      );
    }
    expect(NB_UID).toBe(1000);
  });

  it('lets only a template that needs a base image take the requested one', () => {
    const python = { version: '3.12', minor: '3.12', full: null };
    for (const template of TEMPLATES) {
      const warnings: string[] = [];
      const base = template.baseImage({
        python,
        requested: 'ghcr.io/me/base:1',
        warnings
      });
      expect(base === 'ghcr.io/me/base:1').toBe(template.needsBaseImage);
      expect(warnings).toEqual([]);
    }
    const warnings: string[] = [];
    const custom = templateById('custom')!;
    expect(
      custom.baseImage({ python, requested: 'Not An Image', warnings })
    ).toBe('python:3.12-slim');
    expect(
      custom.baseImage({ python, requested: 'ghcr.io/me/base', warnings })
    ).toBe('ghcr.io/me/base');
    expect(warnings).toEqual([
      'The base image `Not An Image` is not a valid image reference; python:3.12-slim is used instead.',
      'The base image `ghcr.io/me/base` has no tag, so every build may get a different image; name a tag.'
    ]);
  });
});
