/**
 * The request types of src/core/contract/requests.ts against the JSON Schemas the server
 * validates with (the shared fixture request-schemas.json, which the server's
 * test_contract.py holds equal to schemas.BY_ROUTE). A JSON Schema is generated from
 * each TypeScript type (ts-json-schema-generator) and must fit the server's: the same
 * fields, every field the server requires sent, and no JSON type the server refuses. The
 * server may accept more (null for an absent name, say); the panel never sends it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createGenerator } from 'ts-json-schema-generator';

type Schema = {
  type?: string | string[];
  anyOf?: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
};

const serverSchemas: Record<string, Schema> = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, 'fixtures', 'request-schemas.json'),
    'utf8'
  )
);

/** The schema of each route's request type, generated from IRequestByRoute. */
function typeSchemas(): Record<string, Schema> {
  const generator = createGenerator({
    path: path.join(__dirname, '..', 'contract', 'requests.ts'),
    tsconfig: path.join(__dirname, '..', '..', '..', 'tsconfig.json'),
    type: 'IRequestByRoute',
    expose: 'none',
    topRef: false,
    skipTypeCheck: true
  });
  const schema = generator.createSchema('IRequestByRoute') as Schema;
  return schema.properties ?? {};
}

function typesOf(schema: Schema): string[] {
  if (schema.type === undefined) {
    return [];
  }
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** An object schema that allows no field besides its properties. */
function closed(schema: Schema): boolean {
  const extra = schema.additionalProperties;
  return (
    extra === false || (typeof extra === 'object' && extra.not !== undefined)
  );
}

/**
 * Where a body of the `sent` schema (generated from a type) would not fit the `server`
 * schema, or a field one side has and the other lacks; [] when it fits.
 */
function misfits(server: Schema, sent: Schema, where = 'body'): string[] {
  const branches = sent.anyOf ?? [sent];
  const found: string[] = [];
  for (const branch of branches) {
    const types = typesOf(branch);
    const allowed = typesOf(server);
    for (const type of types) {
      if (!allowed.includes(type)) {
        found.push(
          `${where}: the type sends ${type}, the server takes ${allowed.join('|')}`
        );
      }
    }
    if (types.includes('object')) {
      const mine = Object.keys(branch.properties ?? {}).sort();
      const theirs = Object.keys(server.properties ?? {}).sort();
      for (const name of mine.filter(name => !theirs.includes(name))) {
        found.push(`${where}.${name}: only the type has it`);
      }
      for (const name of theirs.filter(name => !mine.includes(name))) {
        found.push(`${where}.${name}: only the server's schema has it`);
      }
      const required = branch.required ?? [];
      for (const name of server.required ?? []) {
        if (!required.includes(name)) {
          found.push(
            `${where}.${name}: the server requires it, the type may leave it out`
          );
        }
      }
      const serverExtra = server.additionalProperties;
      if (serverExtra === false && !closed(branch)) {
        found.push(`${where}: the type allows fields the server refuses`);
      } else if (typeof serverExtra === 'object') {
        const sentExtra = branch.additionalProperties;
        if (typeof sentExtra !== 'object') {
          found.push(`${where}: the type's extra fields are not typed`);
        } else {
          found.push(...misfits(serverExtra, sentExtra, `${where}[*]`));
        }
      }
      for (const name of mine.filter(name => theirs.includes(name))) {
        found.push(
          ...misfits(
            server.properties![name],
            branch.properties![name],
            `${where}.${name}`
          )
        );
      }
    }
    if (types.includes('array')) {
      if (!branch.items || !server.items) {
        found.push(`${where}: an array without item schema`);
      } else {
        found.push(...misfits(server.items, branch.items, `${where}[]`));
      }
    }
  }
  return found;
}

describe('request types against the server schemas', () => {
  const generated = typeSchemas();

  it('have one type per route that takes a body, and no other', () => {
    expect(Object.keys(generated).sort()).toEqual(
      Object.keys(serverSchemas).sort()
    );
  });

  it.each(Object.keys(serverSchemas))('fit the %s route', route => {
    expect(misfits(serverSchemas[route], generated[route], route)).toEqual([]);
  });

  it('build the bundle body and more', () => {
    const bundle = Object.keys(generated.bundle.properties ?? {});
    const build = Object.keys(generated.builds.properties ?? {});
    expect(build).toEqual(expect.arrayContaining(bundle));
    expect(build.filter(name => !bundle.includes(name)).sort()).toEqual([
      'image',
      'notebook',
      'platform',
      'platforms'
    ]);
    expect(generated.builds.required).not.toContain('platform');
  });
});

describe('the schema comparison', () => {
  const server: Schema = {
    type: 'object',
    properties: {
      name: { type: ['string', 'null'] },
      files: { type: 'object', additionalProperties: { type: 'string' } },
      tags: { type: 'array', items: { type: 'string' } }
    },
    required: ['files'],
    additionalProperties: false
  };
  const fits: Schema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      files: { type: 'object', additionalProperties: { type: 'string' } },
      tags: { type: 'array', items: { type: 'string' } }
    },
    required: ['files', 'name'],
    additionalProperties: false
  };

  it('accepts a type that sends less than the server takes', () => {
    expect(misfits(server, fits)).toEqual([]);
  });

  it('finds a field only one side has, a missing required one and a wrong type', () => {
    const drifted: Schema = {
      ...fits,
      properties: {
        name: { type: 'number' },
        files: { type: 'object', additionalProperties: { type: 'number' } },
        tags: { type: 'array', items: { type: 'string' } },
        extra: { type: 'string' }
      },
      required: ['name']
    };
    expect(misfits(server, drifted)).toEqual([
      'body.extra: only the type has it',
      'body.files: the server requires it, the type may leave it out',
      'body.files[*]: the type sends number, the server takes string',
      'body.name: the type sends number, the server takes string|null'
    ]);
  });

  it('finds a type that allows fields the server refuses', () => {
    expect(misfits(server, { ...fits, additionalProperties: true })).toEqual([
      'body: the type allows fields the server refuses'
    ]);
  });

  it('finds a field the server knows and the type forgot', () => {
    const { tags, ...properties } = fits.properties!;
    expect(tags).toBeDefined();
    expect(misfits(server, { ...fits, properties })).toEqual([
      "body.tags: only the server's schema has it"
    ]);
  });
});
