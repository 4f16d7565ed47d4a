/**
 * The constants both languages use, held equal to the shared fixture (the server's
 * test_contract.py holds the Python values equal to the same file).
 */
import * as fs from 'fs';
import * as path from 'path';

import { ACTIVE_STATES, IMAGE_BUILT } from '../jobs/buildJob';
import {
  ACTIVE_JOB_STATES,
  API_NAMESPACE,
  DEFAULT_PLATFORM,
  EVENT_KINDS,
  HEARTBEAT_KIND,
  IMAGE_BUILT_STATES,
  JOB_PHASES,
  JOB_STATES,
  JUPYTER_PORT,
  LABELS,
  PLATFORMS,
  RESTING_JOB_STATES,
  routePath,
  ROUTES,
  SNAPSHOT_MARKER,
  VOLUMES,
  WHEELHOUSE
} from '../contract/constants';

const fixture = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, 'fixtures', 'contract-constants.json'),
    'utf8'
  )
);

describe('contract constants', () => {
  it('name the routes as the server does', () => {
    expect(API_NAMESPACE).toBe(fixture.apiNamespace);
    expect(ROUTES).toEqual(fixture.routes);
  });

  it('name every job state, the active, resting and built ones', () => {
    expect(JOB_STATES).toEqual(fixture.jobStates.all);
    expect(ACTIVE_JOB_STATES).toEqual(fixture.jobStates.active);
    expect(RESTING_JOB_STATES).toEqual(fixture.jobStates.resting);
    expect(IMAGE_BUILT_STATES).toEqual(fixture.jobStates.imageBuilt);
    // What the job views use is made from them.
    expect([...ACTIVE_STATES]).toEqual(fixture.jobStates.active);
    expect([...IMAGE_BUILT]).toEqual(fixture.jobStates.imageBuilt);
  });

  it('split the states into active and resting, with nothing left over', () => {
    expect([...ACTIVE_JOB_STATES, ...RESTING_JOB_STATES].sort()).toEqual(
      [...JOB_STATES].sort()
    );
  });

  it('name the phases and the event kinds', () => {
    expect(JOB_PHASES).toEqual(fixture.jobPhases);
    expect(EVENT_KINDS).toEqual(fixture.eventKinds);
    expect(HEARTBEAT_KIND).toBe(fixture.heartbeatKind);
  });

  it('name the platforms and the default one', () => {
    expect(PLATFORMS).toEqual(fixture.platforms);
    expect(DEFAULT_PLATFORM).toBe(fixture.defaultPlatform);
  });

  it('name the labels, the wheelhouse, the snapshot marker, the port and the volumes', () => {
    expect(LABELS).toEqual(fixture.labels);
    expect(WHEELHOUSE).toEqual(fixture.wheelhouse);
    expect(SNAPSHOT_MARKER).toBe(fixture.snapshotMarker);
    expect(JUPYTER_PORT).toBe(fixture.jupyterPort);
    expect(VOLUMES).toEqual(fixture.volumes);
  });

  it('has a TypeScript name for every constant of the fixture', () => {
    expect(
      Object.keys(fixture)
        .filter(key => key !== '$comment')
        .sort()
    ).toEqual([
      'apiNamespace',
      'defaultPlatform',
      'eventKinds',
      'heartbeatKind',
      'jobPhases',
      'jobStates',
      'jupyterPort',
      'labels',
      'platforms',
      'routes',
      'snapshotMarker',
      'volumes',
      'wheelhouse'
    ]);
  });

  it('put an encoded job id into a route', () => {
    expect(routePath('push', 'a/b')).toBe('builds/a%2Fb/push');
    expect(routePath('builds')).toBe('builds');
  });
});
