// @types/node 20 declares the WebAssembly namespace's types but not its value; Node 20 has both.
declare global {
  var WebAssembly: {
    compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
    Memory: new (descriptor: { initial: number; maximum?: number }) => WebAssembly.Memory;
  };
}
export {};
