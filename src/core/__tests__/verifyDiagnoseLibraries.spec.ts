/**
 * debianPackageFor: the Debian 12 (bookworm) package of a shared library, for the
 * "add it as a system package" action. The pairs were checked against bookworm (dpkg -S
 * on an installed system, or the package's file list); these tests hold the ones
 * data-science wheels ask for most, and the table's shape.
 */
import { APT_PACKAGE } from '../bundle/dockerfileQuote';
import {
  debianPackageFor,
  debianPackageForProgram,
  KNOWN_MESSAGES,
  knownSonames,
  sonameOf
} from '../verify/sharedLibraries';

describe('debianPackageFor', () => {
  it.each([
    ['libGL.so.1', 'libgl1'], // opencv-python
    ['libgomp.so.1', 'libgomp1'], // lightgbm, xgboost
    ['libglib-2.0.so.0', 'libglib2.0-0'], // opencv-python
    ['libgthread-2.0.so.0', 'libglib2.0-0'],
    ['libsndfile.so.1', 'libsndfile1'], // soundfile, librosa
    ['libgfortran.so.5', 'libgfortran5'],
    ['libX11.so.6', 'libx11-6'],
    ['libXext.so.6', 'libxext6'],
    ['libSM.so.6', 'libsm6'],
    ['libICE.so.6', 'libice6'],
    ['libXrender.so.1', 'libxrender1'],
    ['libEGL.so.1', 'libegl1'],
    ['libfontconfig.so.1', 'libfontconfig1'],
    ['libcairo.so.2', 'libcairo2'],
    ['libpq.so.5', 'libpq5'],
    ['libgdal.so.32', 'libgdal32'],
    ['libproj.so.25', 'libproj25'],
    ['libgeos_c.so.1', 'libgeos-c1v5'],
    ['libhdf5_serial.so.103', 'libhdf5-103-1'],
    ['libnetcdf.so.19', 'libnetcdf19'],
    ['libopenblas.so.0', 'libopenblas0-pthread'],
    ['liblapack.so.3', 'liblapack3'],
    ['libblas.so.3', 'libblas3'],
    ['libmagic.so.1', 'libmagic1'],
    ['libzbar.so.0', 'libzbar0'],
    ['libportaudio.so.2', 'libportaudio2'],
    ['libasound.so.2', 'libasound2'],
    ['libxkbcommon-x11.so.0', 'libxkbcommon-x11-0'],
    ['libnss3.so', 'libnss3'],
    ['libcrypto.so.3', 'libssl3']
  ])('%s is in %s', (soname, debian) => {
    expect(debianPackageFor(soname)).toBe(debian);
  });

  it('takes a path, and the short names cffi and ctypes use', () => {
    expect(debianPackageFor('/usr/lib/x86_64-linux-gnu/libGL.so.1')).toBe(
      'libgl1'
    );
    expect(debianPackageFor(' libGL.so.1 ')).toBe('libgl1');
    expect(debianPackageFor('gobject-2.0-0')).toBe('libglib2.0-0');
    expect(debianPackageFor('pango-1.0-0')).toBe('libpango-1.0-0');
    expect(debianPackageFor('sndfile')).toBe('libsndfile1');
    expect(sonameOf('cairo-2')).toBe('libcairo.so.2');
    expect(sonameOf('libfoo.so.3')).toBe('libfoo.so.3');
  });

  it('knows only exact sonames: another version is not in bookworm', () => {
    expect(debianPackageFor('libgdal.so.30')).toBeNull();
    expect(debianPackageFor('libGL.so')).toBeNull();
    expect(debianPackageFor('libgl.so.1')).toBeNull();
    expect(debianPackageFor('')).toBeNull();
    expect(debianPackageFor('libfoo.so.1')).toBeNull();
  });

  it('every package is a valid Debian package name, every soname a library file', () => {
    const sonames = knownSonames();
    expect(sonames.length).toBeGreaterThan(150);
    expect(new Set(sonames).size).toBe(sonames.length);
    for (const soname of sonames) {
      expect(soname).toMatch(/^lib[\w+.-]+\.so(\.[0-9]+)*$/);
      expect(debianPackageFor(soname)).toMatch(APT_PACKAGE);
    }
    for (const known of KNOWN_MESSAGES) {
      expect(known.debianPackage).toMatch(APT_PACKAGE);
    }
  });
});

describe('debianPackageForProgram', () => {
  it.each([
    ['dot', 'graphviz'],
    ['ffmpeg', 'ffmpeg'],
    ['tesseract', 'tesseract-ocr'],
    ['pdftoppm', 'poppler-utils'],
    ['/usr/bin/latex', 'texlive-latex-base']
  ])('%s is in %s', (program, debian) => {
    expect(debianPackageForProgram(program)).toBe(debian);
  });

  it('knows nothing of a data file', () => {
    expect(debianPackageForProgram('sales.csv')).toBeNull();
  });
});
