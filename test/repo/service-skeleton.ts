import ts from 'typescript';

/**
 * The service skeleton of decision 0114: the top-level statements of every
 * long-running service's `main.ts`, in this order, each with exactly these
 * calls (callee as written, in source order). `<svc>` is the package name
 * (`locator`), `<Svc>` the same capitalised.
 */
const SKELETON: readonly (readonly string[])[] = [
  ['keepHeapCompact'],
  ['configuredOrExit', '<svc>ConfigFromEnv'],
  ['createLogger'],
  ['createMetrics'],
  ['connectBus'],
  ['ensureTopology'],
  ['configuredOrExit', 'start<Svc>'],
  ['stopOnSignals', '<svc>.stop', 'bus.close'],
];

/** What `start<Svc>` is handed: nothing else, nothing less. */
const START_DEPS = ['config', 'bus', 'logger', 'metrics'];

function expected(service: string): string[][] {
  const capital = service.charAt(0).toUpperCase() + service.slice(1);
  return SKELETON.map((calls) => calls.map((c) => c.replace('<svc>', service).replace('<Svc>', capital)));
}

function calleesOf(node: ts.Node, source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) found.push(ts.isIdentifier(n.expression) || ts.isPropertyAccessExpression(n.expression) ? n.expression.getText(source) : '(an expression)');
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

function definesFunction(node: ts.Node): boolean {
  if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isMethodDeclaration(node)) return true;
  return ts.forEachChild(node, definesFunction) ?? false;
}

/** The object literal handed to `start<Svc>(...)`, as its property names. */
function startDeps(node: ts.Node, start: string, source: ts.SourceFile): string[] | undefined {
  let deps: string[] | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.expression.getText(source) === start) {
      const [arg] = n.arguments;
      deps = arg !== undefined && ts.isObjectLiteralExpression(arg) && n.arguments.length === 1 ? arg.properties.map((p) => (p.name === undefined ? p.getText(source) : p.name.getText(source))) : [];
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return deps;
}

/**
 * How a service's `main.ts` leaves the skeleton: a statement out of order,
 * missing or added (a verifier wired here, a helper, a gauge), a function or
 * class of its own, `start<Svc>` handed anything but `{ config, bus, logger,
 * metrics }`. Empty when it follows it.
 */
export function skeletonViolations(service: string, text: string): string[] {
  const source = ts.createSourceFile(`services/${service}/src/main.ts`, text, ts.ScriptTarget.ES2022, true);
  const statements = source.statements.filter((s) => !ts.isImportDeclaration(s));
  const want = expected(service);
  const problems: string[] = [];
  const steps = Math.max(want.length, statements.length);
  for (let i = 0; i < steps; i++) {
    const statement = statements[i];
    const step = want[i];
    if (statement === undefined) {
      problems.push(`step ${i + 1} (${step?.join(', ')}) is missing`);
      continue;
    }
    const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
    if (definesFunction(statement)) problems.push(`line ${line}: main.ts defines a function or class of its own: it belongs in the service's start function`);
    const calls = calleesOf(statement, source);
    if (step === undefined) {
      problems.push(`line ${line}: a statement after the skeleton's last step (calls ${calls.join(', ') || 'nothing'})`);
      continue;
    }
    if (calls.join(' ') !== step.join(' ')) problems.push(`line ${line}: step ${i + 1} must call ${step.join(', ')}, not ${calls.join(', ') || 'nothing'}`);
  }
  const start = want[6]?.[1] ?? '';
  const deps = startDeps(source, start, source);
  if (deps !== undefined && deps.join(',') !== START_DEPS.join(',')) problems.push(`${start} must be handed { ${START_DEPS.join(', ')} }, not { ${deps.join(', ')} }`);
  return problems;
}
