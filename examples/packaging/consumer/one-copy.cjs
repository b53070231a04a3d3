// The dual-package hazard, checked: a program that loads the packages both by `require` and by
// `import` must get one copy of each, so classes, the default context (with its inproc
// endpoints), error classes and decorator metadata are shared. Prints one JSON object of checks.
"use strict";

const NAMES = ["core", "codec", "patterns", "service"];

/** `required` and `imported`: the four packages by name, loaded each way. */
async function checkOneCopy(required, imported) {
  const [rc, ic] = [required.core, imported.core];
  const checks = {
    sameClasses: rc.Push === ic.Push && required.codec.TypeRegistry === imported.codec.TypeRegistry
      && required.patterns.RpcServer === imported.patterns.RpcServer && required.service.Service === imported.service.Service,
    sameDefaultContext: rc.context === ic.context,
  };

  // An inproc endpoint bound through one copy is taken for the other copy too, and reached
  // through it. (With two copies the second bind would succeed, and a message sent through one
  // copy would wait forever for the other's endpoint.)
  const pull = new rc.Pull();
  await pull.bind("inproc://one-copy");
  const rival = new ic.Pull();
  try {
    rival.bindSync("inproc://one-copy");
    checks.inprocShared = false;
  } catch (error) {
    checks.inprocShared = error.code === "EADDRINUSE";
  }
  rival.close();
  if (checks.inprocShared) {
    const push = new ic.Push();
    push.connect("inproc://one-copy");
    await push.send("across");
    checks.inprocShared = String((await pull.receive())[0]) === "across";
    push.close();
  }
  pull.close();

  // An error thrown by one copy is an instance of the other copy's class.
  const socket = new ic.Push();
  try {
    socket.bindSync("tcp://127.0.0.1:0");
    checks.errorInstanceof = false;
  } catch (error) {
    checks.errorInstanceof = error instanceof rc.ZmqError && error.code === "ENOTSUP";
  }
  socket.close();
  try {
    imported.codec.decodeEnvelope([Buffer.from([0xff, 0xff])]);
    checks.errorInstanceof = false;
  } catch (error) {
    checks.errorInstanceof &&= error instanceof required.codec.CodecError;
  }

  // Metadata a decorator of one copy wrote is read by the other copy's explorer.
  class Worker {}
  required.service.Service("demo.Worker")(Worker);
  try {
    checks.decoratorMetadataShared = imported.service.exploreService(Worker, () => new Worker(), []).name === "demo.Worker";
  } catch (error) {
    // ERR_SERVICE_INVALID_DECORATOR: this copy's explorer sees no @Service metadata.
    checks.decoratorMetadataShared = `${error.code}`;
  }

  console.log(JSON.stringify(checks));
}

/** Loads the packages by `require`. */
function requireAll() {
  return Object.fromEntries(NAMES.map((name) => [name, require(`@skein/${name}`)]));
}

/** Loads the packages by `import()`. */
async function importAll() {
  return Object.fromEntries(await Promise.all(NAMES.map(async (name) => [name, await import(`@skein/${name}`)])));
}

module.exports = { checkOneCopy, requireAll, importAll };

if (require.main === module) {
  // Run directly: require first, then import.
  require("reflect-metadata");
  const required = requireAll();
  importAll().then((imported) => checkOneCopy(required, imported)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
