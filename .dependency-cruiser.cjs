/**
 * The layers of src/, lowest first (see ARCHITECTURE.md). A module may import its own layer
 * and the layers below it, never one above; no import cycles; a provider's folder never
 * reaches into another provider's. `npm test` runs this check (`npm run depcheck`).
 */
const LAYERS = [
  ['core', '^src/core/'],
  ['sandbox mechanics', '^src/sandbox/'],
  ['transport', '^src/providers/transport/'],
  ['providers', '^src/providers/(?!transport/)'],
  ['state store', '^src/store/'],
  ['gateway', '^src/gateway/'],
  ['auth', '^src/auth/'],
  ['per-request context', '^src/context\\.ts$'],
  ['graphql', '^src/graphql/'],
  ['http server and settings', '^src/((server|config)\\.ts$|http/)'],
  ['composition root', '^src/(app\\.ts$|cli/)'],
  ['entry point', '^src/main\\.ts$'],
];

const upward = LAYERS.flatMap(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => p);
  if (above.length === 0) return [];
  return [
    {
      name: `no-upward-from-${name.replace(/\W+/g, '-')}`,
      comment: `${name} may import only its own layer and the ones below it`,
      severity: 'error',
      from: { path },
      to: { path: above.join('|') },
    },
  ];
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-cycles',
      comment: 'import cycles make the layers meaningless',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'providers-stay-in-their-folder',
      comment: "a provider's folder uses the transport and the provider interface, never another provider",
      severity: 'error',
      from: { path: '^src/providers/(utgl|baas|corporate|ledger|pushpull)/' },
      to: { path: '^src/providers/(utgl|baas|corporate|ledger|pushpull)/', pathNot: '^src/providers/$1/' },
    },
    {
      name: 'src-never-imports-tests-or-bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
