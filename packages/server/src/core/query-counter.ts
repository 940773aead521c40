import type {
  Dialect,
  Driver,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/**
 * A Kysely plugin that counts the statements sent, so tests can prove one statement per read;
 * with `dialect()`, also the transactions opened (their BEGIN and COMMIT bypass plugins).
 */
export class QueryCounter implements KyselyPlugin {
  count = 0;
  transactions = 0;

  /** Wraps a dialect so that every transaction it begins is counted. */
  dialect(inner: Dialect): Dialect {
    const counter = this;
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== 'createDriver') return Reflect.get(target, prop, receiver);
        return () => {
          const driver = target.createDriver();
          return new Proxy(driver, {
            get(d, p, r) {
              const value = Reflect.get(d, p, r) as unknown;
              if (typeof value !== 'function') return value;
              // Methods run on the driver itself: PostgresDriver keeps its state in private fields.
              if (p !== 'beginTransaction') return (value as (...a: unknown[]) => unknown).bind(d);
              return (...args: Parameters<Driver['beginTransaction']>) => {
                counter.transactions++;
                return (value as Driver['beginTransaction']).apply(d, args);
              };
            },
          });
        };
      },
    });
  }

  /** While `capture` runs: the statements sent, as Kysely nodes (compile them to read their SQL). */
  private captured: RootOperationNode[] | undefined;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    this.captured?.push(args.node);
    return args.node;
  }

  /** Runs `fn` and returns the statements it sent (alone on the database), as nodes to compile. */
  async capture<T>(fn: () => Promise<T>): Promise<{ result: T; nodes: RootOperationNode[] }> {
    const nodes: RootOperationNode[] = [];
    this.captured = nodes;
    try {
      return { result: await fn(), nodes };
    } finally {
      this.captured = undefined;
    }
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  /** Runs `fn` and returns how many statements it sent and transactions it opened (alone on the database). */
  async measure<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number; transactions: number }> {
    const before = this.count;
    const began = this.transactions;
    const result = await fn();
    return { result, statements: this.count - before, transactions: this.transactions - began };
  }
}
