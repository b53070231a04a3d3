/** `skein new`: a standalone service project (see ../new-project.ts and ../project-template.ts). */
import { newProject } from "../new-project.js";
import type { Command } from "./command.js";

export const create: Command = {
  name: "new",
  summary: "make a service project in ./<name> (proto, decorated service, client, test)",
  usage: `usage: skein new <name> [--packages DIR]
  Writes a standalone npm project into ./<name>: a .proto, codegen in the build, a decorated
  @skein/service service, a typed client, a vitest test and a README. Its npm install && npm test pass.
  --packages DIR   take the @skein/* packages from the tarballs \`pnpm pack\` wrote in DIR
                   (file: dependencies), instead of ^ this command's version from the registry
example:
  skein new my-service && cd my-service && npm install && npm test`,

  run(argv, io) {
    return newProject(argv, io);
  },
};
