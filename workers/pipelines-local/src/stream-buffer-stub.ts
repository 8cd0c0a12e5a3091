/** The one buffer object every stream appends to. */
export function streamBuffer(env: Pick<Env, "STREAM_BUFFER">) {
  return env.STREAM_BUFFER.get(env.STREAM_BUFFER.idFromName("streams"));
}
