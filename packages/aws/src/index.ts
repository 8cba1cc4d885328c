export { MqBrokerInventory, toBroker } from './mq-inventory';
export type { SlackNotifierOptions } from './slack-notifier';
export { SlackNotifier } from './slack-notifier';
export { SnsNotifier } from './sns-notifier';
