/** Unit tests of the pure core (and DOM-free models) run in plain Node through ts-jest. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testRegex: 'src/.*/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  collectCoverageFrom: ['src/core/**/*.ts', 'src/panel/model.ts'],
  coverageReporters: ['text-summary']
};
