/**
 * The Debian 12 (bookworm) package that provides a shared library, by its soname: what
 * to add as a system package (aptPackages) when a wheel's extension module, or a library
 * opened with ctypes or cffi, cannot be loaded in the image ("libGL.so.1: cannot open
 * shared object file").
 *
 * Each pair was checked against bookworm (the library installed here and `dpkg -S`, or
 * the package downloaded and its file list read). Only exact sonames: a library of
 * another version (libgdal.so.30) is not in bookworm, and naming the package of another
 * version would not help.
 */

const BOOKWORM_PACKAGES: ReadonlyMap<string, string> = new Map([
  // OpenGL, EGL and OpenCL (opencv-python, pyvista, vtk, open3d)
  ['libGL.so.1', 'libgl1'],
  ['libGLX.so.0', 'libglx0'],
  ['libOpenGL.so.0', 'libopengl0'],
  ['libEGL.so.1', 'libegl1'],
  ['libGLESv2.so.2', 'libgles2'],
  ['libGLU.so.1', 'libglu1-mesa'],
  ['libgbm.so.1', 'libgbm1'],
  ['libdrm.so.2', 'libdrm2'],
  ['libOpenCL.so.1', 'ocl-icd-libopencl1'],
  // Compiler runtimes (lightgbm, xgboost, scikit-learn builds, Fortran code)
  ['libgomp.so.1', 'libgomp1'],
  ['libgfortran.so.5', 'libgfortran5'],
  ['libquadmath.so.0', 'libquadmath0'],
  ['libstdc++.so.6', 'libstdc++6'],
  ['libgcc_s.so.1', 'libgcc-s1'],
  ['libatomic.so.1', 'libatomic1'],
  // GLib (opencv-python, WeasyPrint, PyGObject)
  ['libglib-2.0.so.0', 'libglib2.0-0'],
  ['libgobject-2.0.so.0', 'libglib2.0-0'],
  ['libgthread-2.0.so.0', 'libglib2.0-0'],
  ['libgio-2.0.so.0', 'libglib2.0-0'],
  ['libgmodule-2.0.so.0', 'libglib2.0-0'],
  // X11 and XCB (opencv-python, Qt, Tk, matplotlib GUI backends)
  ['libX11.so.6', 'libx11-6'],
  ['libX11-xcb.so.1', 'libx11-xcb1'],
  ['libXext.so.6', 'libxext6'],
  ['libSM.so.6', 'libsm6'],
  ['libICE.so.6', 'libice6'],
  ['libXrender.so.1', 'libxrender1'],
  ['libXi.so.6', 'libxi6'],
  ['libXtst.so.6', 'libxtst6'],
  ['libXrandr.so.2', 'libxrandr2'],
  ['libXcursor.so.1', 'libxcursor1'],
  ['libXfixes.so.3', 'libxfixes3'],
  ['libXcomposite.so.1', 'libxcomposite1'],
  ['libXdamage.so.1', 'libxdamage1'],
  ['libXinerama.so.1', 'libxinerama1'],
  ['libXss.so.1', 'libxss1'],
  ['libXft.so.2', 'libxft2'],
  ['libXmu.so.6', 'libxmu6'],
  ['libXt.so.6', 'libxt6'],
  ['libxshmfence.so.1', 'libxshmfence1'],
  ['libxcb.so.1', 'libxcb1'],
  ['libxcb-cursor.so.0', 'libxcb-cursor0'],
  ['libxcb-icccm.so.4', 'libxcb-icccm4'],
  ['libxcb-image.so.0', 'libxcb-image0'],
  ['libxcb-keysyms.so.1', 'libxcb-keysyms1'],
  ['libxcb-randr.so.0', 'libxcb-randr0'],
  ['libxcb-render.so.0', 'libxcb-render0'],
  ['libxcb-render-util.so.0', 'libxcb-render-util0'],
  ['libxcb-shape.so.0', 'libxcb-shape0'],
  ['libxcb-shm.so.0', 'libxcb-shm0'],
  ['libxcb-sync.so.1', 'libxcb-sync1'],
  ['libxcb-xfixes.so.0', 'libxcb-xfixes0'],
  ['libxcb-xinerama.so.0', 'libxcb-xinerama0'],
  ['libxcb-xkb.so.1', 'libxcb-xkb1'],
  ['libxkbcommon.so.0', 'libxkbcommon0'],
  ['libxkbcommon-x11.so.0', 'libxkbcommon-x11-0'],
  // Fonts, drawing and GTK (cairocffi, WeasyPrint, kaleido, pygraphviz)
  ['libfontconfig.so.1', 'libfontconfig1'],
  ['libfreetype.so.6', 'libfreetype6'],
  ['libcairo.so.2', 'libcairo2'],
  ['libcairo-gobject.so.2', 'libcairo-gobject2'],
  ['libpango-1.0.so.0', 'libpango-1.0-0'],
  ['libpangocairo-1.0.so.0', 'libpangocairo-1.0-0'],
  ['libpangoft2-1.0.so.0', 'libpangoft2-1.0-0'],
  ['libharfbuzz.so.0', 'libharfbuzz0b'],
  ['libgdk_pixbuf-2.0.so.0', 'libgdk-pixbuf-2.0-0'],
  ['libgtk-3.so.0', 'libgtk-3-0'],
  ['libgdk-3.so.0', 'libgtk-3-0'],
  ['libatk-1.0.so.0', 'libatk1.0-0'],
  ['libatk-bridge-2.0.so.0', 'libatk-bridge2.0-0'],
  ['libatspi.so.0', 'libatspi2.0-0'],
  // Browser engines (kaleido, playwright, pyppeteer)
  ['libcups.so.2', 'libcups2'],
  ['libdbus-1.so.3', 'libdbus-1-3'],
  ['libnss3.so', 'libnss3'],
  ['libnssutil3.so', 'libnss3'],
  ['libsmime3.so', 'libnss3'],
  ['libnspr4.so', 'libnspr4'],
  // Sound and video (sounddevice, soundfile, librosa, pyaudio, av, torchaudio)
  ['libasound.so.2', 'libasound2'],
  ['libpulse.so.0', 'libpulse0'],
  ['libportaudio.so.2', 'libportaudio2'],
  ['libjack.so.0', 'libjack-jackd2-0'],
  ['libsndfile.so.1', 'libsndfile1'],
  ['libsamplerate.so.0', 'libsamplerate0'],
  ['libmpg123.so.0', 'libmpg123-0'],
  ['libogg.so.0', 'libogg0'],
  ['libvorbis.so.0', 'libvorbis0a'],
  ['libFLAC.so.12', 'libflac12'],
  ['libopus.so.0', 'libopus0'],
  ['libavcodec.so.59', 'libavcodec59'],
  ['libavformat.so.59', 'libavformat59'],
  ['libavutil.so.57', 'libavutil57'],
  ['libavdevice.so.59', 'libavdevice59'],
  ['libavfilter.so.8', 'libavfilter8'],
  ['libswscale.so.6', 'libswscale6'],
  ['libswresample.so.4', 'libswresample4'],
  // Databases (psycopg, mysqlclient, pyodbc)
  ['libpq.so.5', 'libpq5'],
  ['libmariadb.so.3', 'libmariadb3'],
  ['libodbc.so.2', 'libodbc2'],
  ['libsqlite3.so.0', 'libsqlite3-0'],
  // Geospatial and scientific formats (GDAL, PROJ, GEOS, HDF5, NetCDF, GRIB, FITS)
  ['libgdal.so.32', 'libgdal32'],
  ['libproj.so.25', 'libproj25'],
  ['libgeos_c.so.1', 'libgeos-c1v5'],
  ['libspatialindex.so.6', 'libspatialindex6'],
  ['libspatialindex_c.so.6', 'libspatialindex-c6'],
  ['libspatialite.so.7', 'libspatialite7'],
  ['libgeotiff.so.5', 'libgeotiff5'],
  ['libhdf5_serial.so.103', 'libhdf5-103-1'],
  ['libhdf5_serial_hl.so.100', 'libhdf5-hl-100'],
  ['libnetcdf.so.19', 'libnetcdf19'],
  ['libeccodes.so.0', 'libeccodes0'],
  ['libcfitsio.so.10', 'libcfitsio10'],
  // Numerics (BLAS, LAPACK, FFTW, GMP, TBB)
  ['libopenblas.so.0', 'libopenblas0-pthread'],
  ['libblas.so.3', 'libblas3'],
  ['liblapack.so.3', 'liblapack3'],
  ['libfftw3.so.3', 'libfftw3-double3'],
  ['libfftw3f.so.3', 'libfftw3-single3'],
  ['libgmp.so.10', 'libgmp10'],
  ['libmpfr.so.6', 'libmpfr6'],
  ['libtbb.so.12', 'libtbb12'],
  ['libnuma.so.1', 'libnuma1'],
  ['libhwloc.so.15', 'libhwloc15'],
  // Files, images, OCR and graphs (python-magic, pyzbar, tesserocr, pygraphviz, pyvips)
  ['libmagic.so.1', 'libmagic1'],
  ['libzbar.so.0', 'libzbar0'],
  ['libtesseract.so.5', 'libtesseract5'],
  ['liblept.so.5', 'liblept5'],
  ['libgvc.so.6', 'libgvc6'],
  ['libcgraph.so.6', 'libcgraph6'],
  ['libvips.so.42', 'libvips42'],
  // Networking, compression and the C runtime around them
  ['libzmq.so.5', 'libzmq5'],
  ['libsodium.so.23', 'libsodium23'],
  ['libssl.so.3', 'libssl3'],
  ['libcrypto.so.3', 'libssl3'],
  ['libcurl.so.4', 'libcurl4'],
  ['libffi.so.8', 'libffi8'],
  ['libxml2.so.2', 'libxml2'],
  ['libxslt.so.1', 'libxslt1.1'],
  ['libexslt.so.0', 'libxslt1.1'],
  ['libyaml-0.so.2', 'libyaml-0-2'],
  ['libjpeg.so.62', 'libjpeg62-turbo'],
  ['libturbojpeg.so.0', 'libturbojpeg0'],
  ['libpng16.so.16', 'libpng16-16'],
  ['libtiff.so.6', 'libtiff6'],
  ['libwebp.so.7', 'libwebp7'],
  ['libopenjp2.so.7', 'libopenjp2-7'],
  ['liblcms2.so.2', 'liblcms2-2'],
  ['libz.so.1', 'zlib1g'],
  ['libbz2.so.1.0', 'libbz2-1.0'],
  ['liblzma.so.5', 'liblzma5'],
  ['libzstd.so.1', 'libzstd1'],
  ['liblz4.so.1', 'liblz4-1'],
  ['libsnappy.so.1', 'libsnappy1v5'],
  ['libarchive.so.13', 'libarchive13'],
  ['libaio.so.1', 'libaio1'],
  ['libuuid.so.1', 'libuuid1'],
  ['libexpat.so.1', 'libexpat1'],
  ['libusb-1.0.so.0', 'libusb-1.0-0'],
  ['libudev.so.1', 'libudev1'],
  ['libgssapi_krb5.so.2', 'libgssapi-krb5-2'],
  ['libkrb5.so.3', 'libkrb5-3'],
  ['libldap-2.5.so.0', 'libldap-2.5-0'],
  ['libsasl2.so.2', 'libsasl2-2'],
  ['libpcre2-8.so.0', 'libpcre2-8-0'],
  ['libicuuc.so.72', 'libicu72'],
  ['libicui18n.so.72', 'libicu72'],
  ['libboost_python311.so.1.74.0', 'libboost-python1.74.0'],
  // Others
  ['libpython3.11.so.1.0', 'libpython3.11'],
  ['libespeak-ng.so.1', 'libespeak-ng1'],
  ['libgraphite2.so.3', 'libgraphite2-3'],
  ['libfribidi.so.0', 'libfribidi0'],
  ['libpixman-1.so.0', 'libpixman-1-0'],
  ['librsvg-2.so.2', 'librsvg2-2'],
  ['libpoppler.so.126', 'libpoppler126'],
  ['libpoppler-cpp.so.0', 'libpoppler-cpp0v5'],
  ['libgs.so.10', 'libgs10'],
  ['libwayland-client.so.0', 'libwayland-client0'],
  ['libnotify.so.4', 'libnotify4'],
  ['libsecret-1.so.0', 'libsecret-1-0'],
  ['libgirepository-1.0.so.1', 'libgirepository-1.0-1']
]);

/**
 * Names that cffi-based libraries (WeasyPrint, cairocffi) pass to dlopen instead of a
 * soname, and the names ctypes.util.find_library takes: to their soname.
 */
const LIBRARY_ALIASES: ReadonlyMap<string, string> = new Map([
  ['gobject-2.0-0', 'libgobject-2.0.so.0'],
  ['gobject-2.0', 'libgobject-2.0.so.0'],
  ['glib-2.0-0', 'libglib-2.0.so.0'],
  ['pango-1.0-0', 'libpango-1.0.so.0'],
  ['pango-1.0', 'libpango-1.0.so.0'],
  ['pangocairo-1.0-0', 'libpangocairo-1.0.so.0'],
  ['pangoft2-1.0-0', 'libpangoft2-1.0.so.0'],
  ['harfbuzz', 'libharfbuzz.so.0'],
  ['harfbuzz-0.0', 'libharfbuzz.so.0'],
  ['fontconfig-1', 'libfontconfig.so.1'],
  ['fontconfig', 'libfontconfig.so.1'],
  ['cairo-2', 'libcairo.so.2'],
  ['cairo', 'libcairo.so.2'],
  ['gdk_pixbuf-2.0-0', 'libgdk_pixbuf-2.0.so.0'],
  ['sndfile', 'libsndfile.so.1'],
  ['portaudio', 'libportaudio.so.2'],
  ['magic', 'libmagic.so.1'],
  ['zbar', 'libzbar.so.0'],
  ['GL', 'libGL.so.1'],
  ['gomp', 'libgomp.so.1'],
  ['geos_c', 'libgeos_c.so.1'],
  ['spatialindex_c', 'libspatialindex_c.so.6']
]);

/** The soname a loader or dlopen message names: `libfoo.so.1`, or a cffi/ctypes alias. */
export function sonameOf(name: string): string {
  const base = name.split('/').pop() ?? name;
  return LIBRARY_ALIASES.get(base) ?? base;
}

/**
 * The bookworm package of a library (`libGL.so.1` → `libgl1`), or null when the name is
 * not one this table knows. Accepts a path (`/usr/lib/x86_64-linux-gnu/libGL.so.1`) and
 * the short names cffi and ctypes use (`gobject-2.0-0`, `sndfile`).
 */
export function debianPackageFor(soname: string): string | null {
  return BOOKWORM_PACKAGES.get(sonameOf(soname.trim())) ?? null;
}

/** Every soname the table knows, for tests and documentation. */
export function knownSonames(): string[] {
  return [...BOOKWORM_PACKAGES.keys()];
}

/**
 * Messages of Python libraries that look for a system library or program themselves,
 * and say so in their own words instead of the loader's.
 */
export interface IKnownMessage {
  pattern: RegExp;
  /** The Debian package to add. */
  debianPackage: string;
  /** What is missing, for a sentence: "the libmagic library", "the Tesseract program". */
  what: string;
}

export const KNOWN_MESSAGES: readonly IKnownMessage[] = [
  {
    pattern: /failed to find libmagic/i,
    debianPackage: 'libmagic1',
    what: 'the libmagic library'
  },
  {
    pattern: /PortAudio library not found/i,
    debianPackage: 'libportaudio2',
    what: 'the PortAudio library'
  },
  {
    pattern: /Unable to find zbar shared library/i,
    debianPackage: 'libzbar0',
    what: 'the zbar library'
  },
  {
    pattern: /sndfile library not found/i,
    debianPackage: 'libsndfile1',
    what: 'the libsndfile library'
  },
  {
    pattern: /Could not find lib geos_c|Could not find library geos_c/i,
    debianPackage: 'libgeos-c1v5',
    what: 'the GEOS library'
  },
  {
    pattern: /Could not find libspatialindex_c/i,
    debianPackage: 'libspatialindex-c6',
    what: 'the libspatialindex library'
  },
  {
    pattern: /tesseract is not installed or it's not in your PATH/i,
    debianPackage: 'tesseract-ocr',
    what: 'the Tesseract program'
  },
  {
    pattern: /failed to execute .*'dot'|ExecutableNotFound/,
    debianPackage: 'graphviz',
    what: "Graphviz's dot program"
  },
  {
    pattern: /Is poppler installed and in PATH/i,
    debianPackage: 'poppler-utils',
    what: 'the Poppler programs'
  },
  {
    pattern: /Couldn't find ffmpeg or avconv/i,
    debianPackage: 'ffmpeg',
    what: 'the ffmpeg program'
  }
];

/** Programs that Python libraries run (subprocess), and their bookworm package. */
const PROGRAM_PACKAGES: ReadonlyMap<string, string> = new Map([
  ['dot', 'graphviz'],
  ['neato', 'graphviz'],
  ['ffmpeg', 'ffmpeg'],
  ['ffprobe', 'ffmpeg'],
  ['tesseract', 'tesseract-ocr'],
  ['pdftoppm', 'poppler-utils'],
  ['pdfinfo', 'poppler-utils'],
  ['pdftotext', 'poppler-utils'],
  ['convert', 'imagemagick'],
  ['gs', 'ghostscript'],
  ['git', 'git'],
  ['latex', 'texlive-latex-base'],
  ['pdflatex', 'texlive-latex-base'],
  ['dvipng', 'dvipng'],
  ['pandoc', 'pandoc'],
  ['java', 'default-jre-headless'],
  ['R', 'r-base-core'],
  ['Rscript', 'r-base-core'],
  ['unzip', 'unzip'],
  ['wget', 'wget'],
  ['curl', 'curl'],
  ['make', 'make'],
  ['gcc', 'gcc'],
  ['g++', 'g++']
]);

/** The bookworm package of a program (`dot` → `graphviz`), or null. */
export function debianPackageForProgram(program: string): string | null {
  const name = program.trim().split('/').pop() ?? '';
  return PROGRAM_PACKAGES.get(name) ?? null;
}
