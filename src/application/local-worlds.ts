import type { ClockState } from '../domain/clock.js';
import type { StateStore, StoreDocument } from '../store/store.js';
import type { Generation } from './generation.js';
import type { Sessions } from './sessions.js';
import type { World } from './world.js';
import type { OpenOptions, StoreHealth, WorldStore } from './world-store.js';

/**
 * The worlds of one process (memory, or `--db FILE`): commands run as they come (Node runs one at
 * a time), and the default world's state is written to the file before a change is acknowledged
 * (sessions are never written). The file holds the clock too, so saving it writes the default world.
 */
export class LocalWorlds implements WorldStore {
  readonly kind: 'memory' | 'file';

  constructor(
    private readonly defaultWorld: World,
    private readonly sessions: Sessions,
    private readonly store: StateStore,
    /** The default world's document as the file holds it (SandboxCore.snapshot). */
    private readonly document: () => StoreDocument,
    /** The sandbox clock's state, which each file write carries. */
    private readonly clock: () => ClockState,
    /** Set the sandbox clock (Clock.restore). */
    private readonly setClock: (state: ClockState) => void,
  ) {
    this.kind = store.path === undefined ? 'memory' : 'file';
  }

  async peek(sessionId: string | undefined): Promise<World | undefined> {
    return sessionId === undefined ? this.defaultWorld : this.sessions.peek(sessionId);
  }

  async open(sessionId: string | undefined, _options?: OpenOptions): Promise<World> {
    return sessionId === undefined ? this.defaultWorld : this.sessions.get(sessionId);
  }

  execute<T>(_world: World, _generation: Generation | undefined, run: () => T | Promise<T>): Promise<T> {
    return Promise.resolve(run());
  }

  async commit(world: World): Promise<void> {
    if (world !== this.defaultWorld) return;
    await this.store.save(() => {
      const appointments = world.state.takeChanges();
      return {
        ...(appointments
          ? { delta: { appointments, nextAppointmentId: world.state.nextAppointmentId, clock: this.clock() } }
          : {}),
        document: this.document,
      };
    });
  }

  async commitFaults(): Promise<void> {}

  async sessionWorlds(): Promise<World[]> {
    return this.sessions.all();
  }

  async saveGlobal(field: 'clock' | 'scenario'): Promise<void> {
    // The file holds the clock beside the default world's state; scenarios are never written.
    if (field === 'clock') await this.commit(this.defaultWorld);
  }

  /** One process: the clock held here is the clock; the file takes it with the default world. */
  async updateClock(current: ClockState, change: (stored: ClockState) => ClockState): Promise<ClockState> {
    const next = change(current);
    this.setClock(next);
    try {
      await this.saveGlobal('clock');
    } catch (error) {
      this.setClock(current);
      throw error;
    }
    return next;
  }

  async health(): Promise<StoreHealth> {
    return { status: 'ok' };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
