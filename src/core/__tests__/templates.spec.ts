import { readFileSync } from 'fs';
import { join } from 'path';

import {
  DEFAULT_TEMPLATE,
  installFile,
  isTemplateId,
  needsBaseImage,
  supportsWheelhouse,
  templateById,
  templateLabel,
  TEMPLATE_IDS,
  TEMPLATES
} from '../templates';

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
});
