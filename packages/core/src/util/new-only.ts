/**
 * The public face of the classes the `zeromq` package implements natively
 * (`Context`, `Socket`, `Observer`, `Proxy`): called without `new`, they throw
 * the `TypeError` of `zeromq`'s native classes, "Class constructors cannot be
 * invoked without 'new'", where V8 would name the class ("Class constructor
 * Context cannot be..."). The classes its JavaScript defines (`Dealer`,
 * `Push`...) keep V8's message, as in `zeromq`.
 *
 * A `Proxy` with only an `apply` trap: `new`, `extends`, `instanceof`, static
 * members and `prototype` all reach the class itself, and skein's own code
 * uses the class directly.
 */
const NOT_CALLABLE = "Class constructors cannot be invoked without 'new'";

export function newOnly<C extends object>(cls: C): C {
  return new Proxy(cls, {
    apply(): never {
      throw new TypeError(NOT_CALLABLE);
    },
  });
}
