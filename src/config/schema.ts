import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration, type Duration } from '../sla/duration.js';

/**
 * The council policy file: the one source of truth for every setting. Every key is documented
 * with `.describe()`; unknown keys are refused so a typo never silently switches a rule off.
 */

const email = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'not an email address');
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}$/, 'not a domain name');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD').refine(
  (value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
  'not a real calendar date',
);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time as HH:MM (24-hour)');
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:10025')
  .refine((value) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    return port >= 0 && port <= 65535;
  }, 'port out of range 0-65535');

const duration = z.string().transform((text, ctx): Duration => {
  const parsed = parseDuration(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

export const FILTER_ACTIONS = ['tag', 'flag', 'hold', 'reject'] as const;
export type FilterAction = (typeof FILTER_ACTIONS)[number];

/** Settings every filter accepts; filters add their own keys through `optionsSchema`. */
export const filterSettingsSchema = z.object({
  enabled: z.boolean().default(true).describe('run this filter'),
  action: z.enum(FILTER_ACTIONS).default('flag').describe('what a finding of this filter does to the message'),
  minScore: z.number().min(0).max(1).default(0).describe('findings scoring below this are ignored'),
  timeoutMs: z.number().int().positive().max(60_000).default(2_000).describe('time budget for this filter per message'),
  failOpen: z
    .boolean()
    .default(true)
    .describe('if the filter fails or overruns, or the message cannot be screened at all (it overruns relay.screening.timeoutMs, its worker dies, it cannot be parsed): true = deliver with a screening-error finding, false = defer (4xx)'),
});
export type FilterSettings = z.infer<typeof filterSettingsSchema>;

const person = {
  name: z.string().trim().min(1).describe('full name as it appears in signatures'),
  emails: z.array(email).min(1).describe('every address the person uses, council and personal'),
};

const councilSchema = z.strictObject({
  name: z.string().trim().min(1).describe('the council, as it names itself'),
  domains: z.array(domain).min(1).describe("the council's own mail domains"),
  timezone: z.string().default('Europe/London').refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown IANA time zone').describe('time zone of the working calendar'),
  bankHolidays: z
    .enum(['england-and-wales', 'scotland', 'northern-ireland'])
    .default('england-and-wales')
    .describe("whose bank holidays are non-working days"),
  closureDays: z.array(isoDate).default([]).describe('extra non-working days (e.g. Christmas closure)'),
  extraHolidays: z.array(isoDate).default([]).describe('proclaimed holidays the holiday data does not know yet'),
});

const memberSchema = z.strictObject({
  ...person,
  party: z.string().trim().min(1).optional().describe('political party or group'),
  ward: z.string().trim().min(1).optional().describe('ward or division represented'),
  executive: z.boolean().default(false).describe('cabinet/executive member (may hold delegated decisions)'),
});

const officerSchema = z.strictObject({
  ...person,
  title: z.string().trim().min(1).optional().describe('job title'),
  manager: email.optional().describe("the manager's address: escalations for missed deadlines go here"),
});

const mailingListSchema = z.strictObject({
  address: email.describe('the list or alias address'),
  members: z.array(email).default([]).describe('addresses it expands to'),
  exempt: z.boolean().default(false).describe('silent copies to this list are not findings'),
});

const electionSchema = z.strictObject({
  name: z.string().trim().min(1),
  pollingDay: isoDate.describe('polling day'),
  periodStart: isoDate.optional().describe('publication of the notice of election; computed when absent'),
});

const slaSchema = z.strictObject({
  acknowledge: duration.default(parseDuration('3 working days') as Duration).describe('time to acknowledge a member enquiry'),
  respond: duration.default(parseDuration('10 working days') as Duration).describe('time to reply in full'),
  remindBefore: duration.default(parseDuration('1 working day') as Duration).describe('reminder to the officer this long before each deadline'),
  workingHours: z
    .strictObject({ start: clockTime.default('09:00'), end: clockTime.default('17:00') })
    .default({ start: '09:00', end: '17:00' })
    .refine((hours) => hours.start < hours.end, { message: 'start must be before end', path: ['end'] }),
});

const relaySchema = z.strictObject({
  listen: hostPort.default('127.0.0.1:10025').describe('address the gateway accepts SMTP on'),
  nextHop: hostPort.default('127.0.0.1:10026').describe('the MTA screened mail is forwarded to'),
  hostname: z.string().min(1).optional().describe('name used in the greeting and Received lines; default: os hostname'),
  xforwardHosts: z
    .array(z.string().refine((address) => isIP(address) !== 0, { message: 'must be an IP address' }))
    .default([])
    .describe('addresses of MTAs (e.g. the Postfix in front) allowed to send XFORWARD: the original client is then written in the Received line and logs; empty = XFORWARD not offered'),
  maxMessageBytes: z.number().int().positive().max(1_073_741_824, 'at most 1 GiB (1073741824 bytes)').default(26_214_400).describe('SIZE limit, bytes (default 25 MiB)'),
  maxRecipients: z.number().int().min(100).default(100).describe('recipients per message; more get 452 4.5.3'),
  maxClients: z.number().int().positive().default(500).describe('concurrent SMTP connections; more get 421'),
  maxClientsPerAddress: z
    .number()
    .int()
    .positive()
    .default(100)
    .describe("concurrent SMTP connections from one client address; more get 421 (the upstream MTA's connection limit to the gateway must fit under it)"),
  maxReceivedHeaders: z.number().int().min(10).default(50).describe('loop guard: refuse with 554 5.4.6 at this many Received lines'),
  maxMimeParts: z.number().int().min(10).max(100_000).default(1_000).describe('a message with more MIME parts is refused with 554 5.6.0, before screening'),
  maxMimeDepth: z.number().int().min(5).max(1_000).default(100).describe('a message whose multiparts nest deeper is refused with 554 5.6.0, before screening'),
  maxHeaderBytes: z.number().int().positive().default(1_048_576).describe('header block larger than this is refused with 552 5.3.4'),
  maxLineBytes: z.number().int().min(1000).default(100_000).describe('a line longer than this (octets, with CRLF) is refused with 500 5.5.2; RFC 5321 asks for 1000, real mail is often longer'),
  socketTimeoutMs: z.number().int().positive().default(300_000).describe('idle time before a client is disconnected'),
  transactionTimeoutMs: z.number().int().positive().default(600_000).describe('longest a single message transaction may take'),
  commandTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(120_000)
    .describe('longest a client may spend, from connecting or from the end of its last message, before it starts a message (MAIL FROM); commands trickled slowly do not extend it'),
  nextHopTimeoutMs: z.number().int().positive().default(60_000).describe('longest wait for the next hop before answering 451'),
  nextHopPoolSize: z.number().int().positive().max(200).default(20).describe('kept-open connections to the next hop'),
  heapGrowthPercent: z
    .number()
    .int()
    .min(0)
    .max(300)
    .default(50)
    .describe('how far V8 lets the heap grow past live data before collecting, in percent; lower keeps memory flatter under sustained mail at some CPU cost; 0 = V8\'s own rule (up to 4x)'),
  allowBareLineEndings: z
    .boolean()
    .default(false)
    .describe('accept bare CR or LF in DATA (SMTP smuggling risk); default refuses with 550 5.5.2'),
  tls: z
    .strictObject({ key: z.string().min(1).describe('PEM key file'), cert: z.string().min(1).describe('PEM certificate file') })
    .optional()
    .describe('offer STARTTLS with this key and certificate'),
  spool: z
    .strictObject({
      aboveBytes: z
        .number()
        .int()
        .min(0)
        .default(262_144)
        .describe('a message larger than this waits on disk, not in memory, while it is screened and forwarded (default 256 KiB); 0 puts every message on disk'),
      directory: z
        .string()
        .min(1)
        .optional()
        .describe('where those messages wait, owner-only (created 0700); each file is deleted when its transaction ends; default: member-officer-gateway-spool in the system temp directory'),
    })
    .default({ aboveBytes: 262_144 }),
  screening: z
    .strictObject({
      workers: z.number().int().min(0).max(16).default(1).describe('screening worker threads (0 = on the main thread)'),
      timeoutMs: z.number().int().positive().default(10_000).describe('whole-message screening budget; over it the mail flows with screening-error'),
      maxParseBytes: z.number().int().positive().default(10_485_760).describe('only this much of each message is parsed for screening'),
      incomplete: z
        .enum(['tag', 'flag', 'hold', 'reject'])
        .default('flag')
        .describe("a member's correspondence with text no filter could read (past a limit, a document that could not be opened): the screening-incomplete finding's action; on other mail it is named in the header only"),
      scopeCheck: z
        .boolean()
        .default(true)
        .describe('read the header section first and relay mail no enabled filter or enquiry rule covers without parsing its body (header: scope=out); false parses and screens every message in full'),
    })
    .default({ workers: 1, timeoutMs: 10_000, maxParseBytes: 10_485_760, incomplete: 'flag', scopeCheck: true }),
});

const reviewAccountSchema = z.strictObject({
  user: z.string().trim().min(1),
  passwordHash: z.string().min(1).describe('from `member-officer-gateway hash-password`'),
});

export const configSchema = z.strictObject({
  council: councilSchema,
  members: z.array(memberSchema).default([]),
  officers: z.array(officerSchema).default([]),
  monitoringOfficers: z.array(email).default([]).describe('addresses of the Monitoring Officer(s)'),
  mailboxes: z
    .strictObject({
      memberEnquiries: z.array(email).default([]).describe('shared inboxes for member enquiries'),
      press: z.array(email).default([]).describe('press office addresses'),
      lists: z.array(mailingListSchema).default([]).describe('mailing lists and aliases the gateway should know'),
    })
    .default({ memberEnquiries: [], press: [], lists: [] }),
  mediaDomains: z.array(domain).default([]).describe('domains of newspapers, broadcasters and news agencies'),
  parties: z
    .array(
      z.union([
        z.string().trim().min(1),
        z.strictObject({
          name: z.string().trim().min(1),
          aliases: z.array(z.string().trim().min(1)).default([]).describe('other names people use for the party: short forms, nicknames ("Tories", "Lib Dems", "the Greens")'),
        }),
      ]),
    )
    .default([])
    .describe('political parties and groups active locally: a name, or { name, aliases }'),
  elections: z.array(electionSchema).default([]),
  candidates: z.array(z.strictObject({ name: z.string().trim().min(1), party: z.string().trim().min(1).optional() })).default([]),
  sla: slaSchema.default({
    acknowledge: parseDuration('3 working days') as Duration,
    respond: parseDuration('10 working days') as Duration,
    remindBefore: parseDuration('1 working day') as Duration,
    workingHours: { start: '09:00', end: '17:00' },
  }),
  filters: z.record(z.string(), filterSettingsSchema.loose()).default({}).describe('per-filter settings, keyed by filter id'),
  relay: relaySchema.default(relaySchema.parse({})),
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\//, 'expected redis://host:port').optional().describe('the Redis shared by all instances (or use sentinels and name)'),
      sentinels: z
        .array(hostPort)
        .min(1)
        .optional()
        .describe('Redis Sentinels (host:port): the gateway asks them for the current master of `name` and follows a fail-over, as ioredis does; instead of url'),
      name: z.string().min(1).optional().describe('with sentinels: the name of the master the Sentinels watch'),
      prefix: z.string().min(1).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('mog').describe('key prefix for everything the gateway stores'),
      embedded: z
        .enum(['fallback', 'never', 'always'])
        .default('fallback')
        .describe('start a local redis-server: when url is absent or not answering (fallback), never (production), or always'),
      embeddedDir: z.string().min(1).default('.gateway-data/redis').describe('where an embedded redis-server keeps its append-only file'),
    })
    .superRefine((redis, context) => {
      if (redis.sentinels && !redis.name) context.addIssue({ code: 'custom', path: ['name'], message: 'sentinels need the name of the master they watch' });
      if (redis.name && !redis.sentinels) context.addIssue({ code: 'custom', path: ['sentinels'], message: 'name is the master a list of sentinels watches: add sentinels' });
      if (redis.sentinels && redis.url) context.addIssue({ code: 'custom', path: ['url'], message: 'set either url or sentinels, not both' });
    })
    .default({ prefix: 'mog', embedded: 'fallback', embeddedDir: '.gateway-data/redis' }),
  review: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:8025'),
      accounts: z.array(reviewAccountSchema).default([]),
      publicUrl: z.string().url().optional().describe('link used in notices to the Monitoring Officer'),
      retentionDays: z.number().int().positive().default(90).describe('message content is deleted this long after receipt; the audit trail stays'),
      volatileHolds: z
        .enum(['refuse', 'accept'])
        .default('refuse')
        .describe('a Redis that could lose a held message (no append-only file, or a maxmemory-policy other than noeviction): refuse such holds with 451, or accept them'),
      sessionIdleMinutes: z.number().int().positive().max(1440).default(15).describe('a review sign-in ends after this long without a request'),
      sessionMaxHours: z.number().int().positive().max(72).default(10).describe('a review sign-in ends this long after it began, however active'),
      notifySender: z
        .enum(['none', 'council', 'all'])
        .default('none')
        .describe("tell the sender when their message is held (and when it will not be delivered), citing the paragraph: none, only senders in council.domains, or all"),
      trustedProxy: z
        .strictObject({
          header: z.string().trim().toLowerCase().regex(/^[a-z0-9-]+$/, 'a header name').default('x-remote-user').describe('request header carrying the signed-in user name'),
          addresses: z
            .array(z.string().regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'an IP address or CIDR range'))
            .min(1)
            .describe('the reverse proxy: the header is believed only from these addresses (IP or CIDR)'),
          users: z.array(z.string().trim().min(1)).min(1).describe('user names the proxy may sign in as reviewers; anyone else gets 403'),
        })
        .optional()
        .describe('sign-in by a reverse proxy (e.g. one doing Entra ID); the proxy must strip the header from client requests'),
    })
    .default({ listen: '127.0.0.1:8025', accounts: [], retentionDays: 90, volatileHolds: 'refuse', sessionIdleMinutes: 15, sessionMaxHours: 10, notifySender: 'none' }),
  metrics: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:9464').describe('GET /metrics, /healthz and /readyz, without sign-in: bind it to a management network only'),
      enabled: z.boolean().default(true).describe('serve them at all'),
    })
    .default({ listen: '127.0.0.1:9464', enabled: true }),
  notify: z
    .strictObject({
      from: email.describe('envelope sender and From: of reminders and notices'),
      smtp: hostPort.describe('where notifications are submitted'),
    })
    .optional(),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
    .default({ level: 'info' }),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
