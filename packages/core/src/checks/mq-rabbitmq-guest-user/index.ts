import { defineCheck, fail, pass } from '../../check';
import { RABBIT_GUEST } from '../mq-rabbitmq-admin-users';

/** `guest`/`guest` is the first password any attacker tries. */
export const mqRabbitmqGuestUser = defineCheck({
  id: 'mq-rabbitmq-guest-user',
  title: 'RabbitMQ has no `guest` user',
  severity: 'HIGH',
  rationale:
    "`guest` is RabbitMQ's well-known default user (password `guest`, usually an administrator). Amazon MQ refuses " +
    'it as the broker user, so one that exists was added later through the management API or a definitions ' +
    'import, and only the loopback restriction — which a custom configuration can lift — stands between it and ' +
    'anyone who can reach the broker.',
  remediation:
    'Delete it in the RabbitMQ web console (Admin → Users → guest → Delete) or with the management API: ' +
    '`curl -u ADMIN -X DELETE https://BROKER.mq.REGION.amazonaws.com/api/users/guest` ' +
    '(`rabbitmqadmin delete user name=guest`), and drop it from any definitions file you import.',
  needs: ['rabbit'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: ({ broker, rabbit }) => {
    const guest = rabbit?.users.find((u) => u.name === RABBIT_GUEST);
    if (guest) {
      const tags = guest.tags.length ? `tags ${guest.tags.join(', ')}` : 'no tags';
      return fail(`Broker ${broker.name} has the default RabbitMQ user guest (${tags}).`);
    }
    return pass(`Broker ${broker.name} has no guest user.`);
  },
});
