import { Injectable } from '@nestjs/common';
import { DelayTaskService } from '../delay-task.service';
import { TaskStats } from '../interfaces/task-info.interface';
import { DueTimeline, DueWindow, DueWindowCount } from '../stats/due-timeline';
import { TIMELINE_STEPS } from './dashboard.constants';
import { LatenessSummary, summariseLateness } from './lateness-summary';

/** Upcoming due counts: the next hour, day and week in steps, and everything after the week. */
export interface DueTimelineView {
  /** Redis' clock when it was read, epoch ms. */
  now: number;
  hour: DueWindowCount[];
  day: DueWindowCount[];
  week: DueWindowCount[];
  /** Pending tasks due more than a week ahead. */
  later: number;
}

/** What `GET <path>/api/stats` answers: `stats()`, and what the dashboard adds to it. */
export interface DashboardOverview extends TaskStats {
  /** The live instances' lateness, added up. */
  lateness: LatenessSummary;
  timeline: DueTimelineView;
}

type Span = keyof typeof TIMELINE_STEPS;
const SPANS = Object.keys(TIMELINE_STEPS) as Span[];

/** The windows of every span, in order, then the one past the week. */
const WINDOWS: readonly DueWindow[] = [
  ...SPANS.flatMap((span) => {
    const { stepMs, steps } = TIMELINE_STEPS[span];
    return Array.from({ length: steps }, (_, i) => ({
      fromMs: i * stepMs,
      toMs: (i + 1) * stepMs,
    }));
  }),
  { fromMs: TIMELINE_STEPS.week.stepMs * TIMELINE_STEPS.week.steps, toMs: Infinity },
];

/**
 * Gathers the overview the dashboard shows: the module's counts, the live
 * instances' summed lateness and the due timeline. Reads only, and nothing
 * that grows with the number of tasks.
 */
@Injectable()
export class DashboardOverviewReader {
  constructor(
    private readonly tasks: DelayTaskService,
    private readonly timeline: DueTimeline,
  ) {}

  async read(): Promise<DashboardOverview> {
    const [stats, instances, reading] = await Promise.all([
      this.tasks.stats(),
      this.tasks.instances(),
      this.timeline.read(WINDOWS),
    ]);
    const view: DueTimelineView = { now: reading.now, hour: [], day: [], week: [], later: 0 };
    let next = 0;
    for (const span of SPANS) {
      view[span] = reading.windows.slice(next, next + TIMELINE_STEPS[span].steps);
      next += TIMELINE_STEPS[span].steps;
    }
    view.later = reading.windows[next].count;
    return { ...stats, lateness: summariseLateness(instances), timeline: view };
  }
}
