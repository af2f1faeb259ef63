// The public input surface of the package, read from its TypeScript declarations: every exported
// construct's props, every public static factory and method, and every exported function, each
// argument described as a tree of types (objects, arrays, records, unions down to strings, numbers,
// booleans, literals and class instances). Used by the prop sweep, so a prop added later is swept
// without anyone listing it.
const path = require('path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'lib') + path.sep;
const IMPORTS = path.join(ROOT, 'imports') + path.sep;

function createChecker() {
  const options = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true,
    esModuleInterop: true, types: [], noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile;
  // The generated CRD classes are megabytes of declarations no public input is typed with; a prop
  // typed with one would come out as an error type, which describeType refuses.
  host.getSourceFile = (file, language, ...rest) => (file.startsWith(IMPORTS)
    ? ts.createSourceFile(file, 'export {};', language) : read.call(host, file, language, ...rest));
  const program = ts.createProgram([path.join(ROOT, 'lib/index.ts'), path.join(ROOT, 'lib/tools.ts')], options, host);
  return { program, checker: program.getTypeChecker() };
}

function inLib(symbol) {
  return (symbol?.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(LIB));
}

function isPublic(declaration) {
  const flags = ts.getCombinedModifierFlags(declaration);
  return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !/^[_#]/.test(declaration.name?.getText() ?? '');
}

/** The public API: constructs, factories, methods and functions, each with its parameters described. */
function readPublicApi() {
  const { program, checker } = createChecker();
  const api = { constructs: [], factories: [], methods: [], functions: [] };
  const seenClasses = new Set();

  const describeType = (type, stack = []) => {
    const shown = checker.typeToString(type);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { kind: 'unknown', shown };
    if (type.isUnion()) {
      const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
      const rest = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
      const nullable = rest.length !== members.length;
      if (rest.length && rest.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { kind: 'boolean', shown, nullable };
      if (rest.length && rest.every((t) => t.isLiteral())) return { kind: 'enum', values: rest.map((t) => t.value), shown, nullable };
      const described = rest.map((t) => describeType(t, stack));
      // `true | false` inside a wider union.
      const merged = [];
      for (const d of described) if (!(d.kind === 'boolean' && merged.some((m) => m.kind === 'boolean'))) merged.push(d);
      return merged.length === 1 ? { ...merged[0], nullable } : { kind: 'union', types: merged, shown, nullable };
    }
    if (type.flags & ts.TypeFlags.StringLike) return type.isStringLiteral() ? { kind: 'enum', values: [type.value], shown } : { kind: 'string', shown };
    if (type.flags & ts.TypeFlags.NumberLike) return type.isNumberLiteral() ? { kind: 'enum', values: [type.value], shown } : { kind: 'number', shown };
    if (type.flags & ts.TypeFlags.BooleanLike) return { kind: 'boolean', shown };
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const [item] = checker.getTypeArguments(type);
      return { kind: 'array', item: describeType(item, stack), shown };
    }
    if (type.getCallSignatures().length) return { kind: 'function', shown };
    const symbol = type.aliasSymbol && !(type.getSymbol()?.flags & ts.SymbolFlags.TypeLiteral) ? type.getSymbol() ?? type.aliasSymbol : type.getSymbol();
    const isClass = symbol && (symbol.flags & ts.SymbolFlags.Class);
    const properties = checker.getPropertiesOfType(type);
    const hasMethods = properties.some((p) => p.flags & ts.SymbolFlags.Method);
    if (isClass || hasMethods) {
      if (isClass && inLib(symbol)) describeClass(symbol);
      return { kind: 'class', name: symbol?.getName() ?? shown, shown };
    }
    const index = type.getStringIndexType();
    if (index && !properties.length) return { kind: 'record', value: describeType(index, stack), shown };
    if (!properties.length) return { kind: 'unknown', shown };
    if (stack.includes(type)) return { kind: 'unknown', shown: `${shown} (recursive)` };
    const props = {};
    for (const p of properties) {
      const declaration = p.valueDeclaration ?? p.declarations?.[0];
      props[p.getName()] = {
        optional: Boolean(p.flags & ts.SymbolFlags.Optional),
        type: describeType(declaration ? checker.getTypeOfSymbolAtLocation(p, declaration) : checker.getTypeOfSymbol(p), [...stack, type]),
      };
    }
    return { kind: 'object', name: shown, props, shown };
  };

  const describeParameters = (signature) => signature.getParameters().map((p) => {
    const declaration = p.valueDeclaration;
    return {
      name: p.getName(),
      optional: Boolean(declaration.questionToken || declaration.initializer),
      type: describeType(checker.getTypeOfSymbolAtLocation(p, declaration)),
    };
  });

  const isConstruct = (classType) => checker.getBaseTypes(classType).some((b) => b.getSymbol()?.getName() === 'Construct'
    || isConstruct(b));

  function describeClass(symbol) {
    if (seenClasses.has(symbol)) return;
    seenClasses.add(symbol);
    const name = symbol.getName();
    const declaration = symbol.declarations.find(ts.isClassDeclaration);
    if (!declaration) return;
    const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
    for (const member of declaration.members) {
      if (!isPublic(member)) continue;
      const isStatic = ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static;
      if (ts.isConstructorDeclaration(member)) {
        const signature = checker.getSignatureFromDeclaration(member);
        if (isConstruct(instanceType)) api.constructs.push({ name, parameters: describeParameters(signature) });
        else api.functions.push({ name: `new ${name}`, cls: name, parameters: describeParameters(signature) });
      } else if (ts.isMethodDeclaration(member)) {
        const signature = checker.getSignatureFromDeclaration(member);
        (isStatic ? api.factories : api.methods).push({ name: `${name}.${member.name.getText()}`, cls: name, method: member.name.getText(), parameters: describeParameters(signature) });
      }
    }
  }

  for (const file of ['lib/index.ts', 'lib/tools.ts']) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, file)));
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (symbol.flags & ts.SymbolFlags.Class) describeClass(symbol);
      else if (symbol.flags & ts.SymbolFlags.Function) {
        for (const signature of checker.getTypeOfSymbol(symbol).getCallSignatures()) {
          api.functions.push({ name: symbol.getName(), parameters: describeParameters(signature) });
        }
      }
    }
  }
  return api;
}

module.exports = { readPublicApi };
