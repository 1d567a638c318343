// In-process timeline store: outbox, post-migration checklists and meeting requests for the embedded store.
import type { ChecklistMark, ChecklistState, ChecklistStore, MeetingRequest, MeetingRequestStore, TimelineStore } from '../timeline-store';
import { MemoryDueIndex } from './memory-due-index';
import { MemoryOutboxStore } from './memory-outbox-store';

const clone = <T>(value: T): T => structuredClone(value);

class MemoryChecklistStore implements ChecklistStore {
  private readonly states = new Map<string, ChecklistState>();

  async open(accountId: string, migrationId: string, at: number): Promise<boolean> {
    if (this.states.get(accountId)?.migrationId === migrationId) return false;
    this.states.set(accountId, { migrationId, openedAt: at, marks: {} });
    return true;
  }

  async get(accountId: string): Promise<ChecklistState | null> {
    const state = this.states.get(accountId);
    return state ? clone(state) : null;
  }

  async mark(accountId: string, itemId: string, mark: ChecklistMark): Promise<boolean> {
    const state = this.states.get(accountId);
    if (!state) return false;
    state.marks[itemId] = clone(mark);
    return true;
  }
}

class MemoryMeetingRequestStore implements MeetingRequestStore {
  private readonly requests = new Map<string, Map<string, MeetingRequest>>();

  async add(request: MeetingRequest): Promise<void> {
    const byId = this.requests.get(request.accountId) ?? new Map<string, MeetingRequest>();
    this.requests.set(request.accountId, byId);
    if (!byId.has(request.id)) byId.set(request.id, clone(request));
  }

  async list(accountId: string, migrationId: string): Promise<MeetingRequest[]> {
    return [...(this.requests.get(accountId)?.values() ?? [])]
      .filter((r) => r.migrationId === migrationId)
      .sort((a, b) => a.receivedAt - b.receivedAt)
      .map(clone);
  }
}

export class MemoryTimelineStore implements TimelineStore {
  readonly due = new MemoryDueIndex();
  readonly outbox = new MemoryOutboxStore(this.due);
  readonly checklists = new MemoryChecklistStore();
  readonly meetings = new MemoryMeetingRequestStore();
}
