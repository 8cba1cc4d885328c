#!/usr/bin/env python3
"""Writes packages/local/scenarios/demo.json: the demo fleet. Every mqops check fails on at least one broker
(test/e2e/demo-fleet.test.ts proves it), and orders-prod passes them all. Run: python3 scripts/make-demo.py"""
import json, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
fixtures = root / 'packages/core/test/fixtures/activemq'
hardened = (fixtures / 'hardened.xml').read_text()
risky = (fixtures / 'risky.xml').read_text()

def secret(name, broker, username, value, role=None, **extra):
    tags = [{'Key': 'mqops:broker', 'Value': broker}, {'Key': 'mqops:username', 'Value': username}]
    if role: tags.append({'Key': 'mqops:role', 'Value': role})
    return {'Name': name, 'SecretString': json.dumps({'username': username, 'password': value}), 'Tags': tags, **extra}

def audit_user(broker):
    return {'name': f'{broker}-audit', 'password': f'demo-{broker}-Audit-1', 'tags': ['administrator']}

scenario = {
    'accountId': '123456789012',
    'region': 'us-east-1',
    # A fixed instant keeps the demo's findings the same on every run (and puts ActiveMQ 5.17 near its end of support).
    'now': '2025-04-01T09:00:00.000Z',
    'configurations': [
        {'Id': 'c-0rders00-0000-4000-8000-000000000001', 'Name': 'orders-hardened', 'EngineType': 'ACTIVEMQ',
         'EngineVersion': '5.18', 'Description': 'Least privilege, memory limits, per-queue DLQs',
         'Revisions': [{'Data': hardened, 'Description': 'hardened', 'Created': '2025-01-10T10:00:00.000Z'}]},
        {'Id': 'c-b1111ng0-0000-4000-8000-000000000002', 'Name': 'billing-config', 'EngineType': 'ACTIVEMQ',
         'EngineVersion': '5.17.6', 'Description': 'Grown over the years',
         'Revisions': [{'Data': risky, 'Description': 'everyone can write everything', 'Created': '2023-06-01T10:00:00.000Z'}]},
    ],
    'brokers': [
        {   # The model broker: passes every check.
            'BrokerName': 'orders-prod', 'EngineType': 'ACTIVEMQ', 'EngineVersion': '5.18',
            'DeploymentMode': 'ACTIVE_STANDBY_MULTI_AZ', 'HostInstanceType': 'mq.m5.large', 'StorageType': 'EFS',
            'PubliclyAccessible': False, 'AutoMinorVersionUpgrade': True,
            'AuthenticationStrategy': 'LDAP',
            'LdapServerMetadata': {'Hosts': ['ldap.corp.example:636'], 'RoleBase': 'ou=groups,dc=corp,dc=example',
                                   'RoleSearchMatching': '(member={0})', 'ServiceAccountUsername': 'cn=mq,dc=corp,dc=example',
                                   'UserBase': 'ou=users,dc=corp,dc=example', 'UserSearchMatching': '(uid={0})',
                                   'RoleName': 'cn', 'RoleSearchSubtree': True, 'UserSearchSubtree': True},
            'EncryptionOptions': {'UseAwsOwnedKey': False, 'KmsKeyId': 'arn:aws:kms:us-east-1:123456789012:key/0d3f6a52-5b7e-4c1e-9d0a-7f1e2c3b4a50'},
            'Logs': {'General': True, 'Audit': True},
            'MaintenanceWindowStartTime': {'DayOfWeek': 'SUNDAY', 'TimeOfDay': '03:00', 'TimeZone': 'UTC'},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60001'],
            'Tags': {'env': 'production', 'team': 'orders'},
            'Configuration': {'Id': 'c-0rders00-0000-4000-8000-000000000001', 'Revision': 1},
            'Users': [
                {'Username': 'orders-admin', 'Password': 'demo-Orders-Admin-2026', 'ConsoleAccess': True, 'Groups': ['admins']},
                {'Username': 'orders-app', 'Password': 'demo-Orders-App-2026', 'Groups': ['orders-producers', 'orders-consumers']},
            ],
            'Metrics': {'CpuUtilization': {'base': 22, 'amplitude': 8}, 'HeapUsage': {'base': 45, 'amplitude': 10},
                        'StorePercentUsage': 12, 'CurrentConnectionsCount': 140},
        },
        {   # Public, micro, old, too open: the broker everyone has.
            'BrokerName': 'billing-prod', 'EngineType': 'ACTIVEMQ', 'EngineVersion': '5.17.6',
            'DeploymentMode': 'SINGLE_INSTANCE', 'HostInstanceType': 'mq.t3.micro', 'StorageType': 'EFS',
            'PubliclyAccessible': True, 'AutoMinorVersionUpgrade': False,
            'Logs': {'General': True, 'Audit': False},
            'MaintenanceWindowStartTime': {'DayOfWeek': 'WEDNESDAY', 'TimeOfDay': '14:00', 'TimeZone': 'Europe/Berlin'},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60002'],
            'Tags': {'env': 'production', 'team': 'billing'},
            'Configuration': {'Id': 'c-b1111ng0-0000-4000-8000-000000000002', 'Revision': 1},
            'Users': [
                {'Username': 'billing-admin', 'Password': 'demo-Billing-Admin-2026', 'ConsoleAccess': True, 'Groups': ['admins']},
                {'Username': 'billing-ops', 'Password': 'demo-Billing-Ops-2026', 'Groups': ['admins']},
                {'Username': 'billing-app', 'Password': 'demo-Billing-App-2026', 'ConsoleAccess': True, 'Groups': ['apps']},
            ],
            'Metrics': {'CpuUtilization': {'base': 78, 'amplitude': 15}, 'HeapUsage': {'base': 82, 'amplitude': 6},
                        'StorePercentUsage': 64, 'CurrentConnectionsCount': 270},
        },
        {   # Forgotten: end of support, legacy type, EBS, no logs, wide open, a resize waiting for a reboot.
            'BrokerName': 'legacy-staging', 'EngineType': 'ACTIVEMQ', 'EngineVersion': '5.15.16',
            'DeploymentMode': 'SINGLE_INSTANCE', 'HostInstanceType': 'mq.m4.large', 'StorageType': 'EBS',
            'PubliclyAccessible': False, 'AutoMinorVersionUpgrade': False,
            'Logs': {'General': False, 'Audit': False},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60003'],
            'Tags': {'env': 'staging'},
            'Users': [{'Username': 'legacy-admin', 'Password': 'demo-Legacy-Admin-2026', 'ConsoleAccess': True, 'Groups': ['admins']}],
            'Pending': {'HostInstanceType': 'mq.m5.large'},
            'Metrics': {'CpuUtilization': 9, 'HeapUsage': 30, 'StorePercentUsage': 3, 'CurrentConnectionsCount': 12},
        },
        {   # In trouble: out of memory, one AZ, the default security group, a stale credential, a bad window.
            'BrokerName': 'payments-prod', 'EngineType': 'ACTIVEMQ', 'EngineVersion': '5.18',
            'DeploymentMode': 'ACTIVE_STANDBY_MULTI_AZ', 'HostInstanceType': 'mq.m5.xlarge', 'StorageType': 'EFS',
            'PubliclyAccessible': False, 'AutoMinorVersionUpgrade': False,
            'EncryptionOptions': {'UseAwsOwnedKey': False, 'KmsKeyId': 'arn:aws:kms:us-east-1:123456789012:key/7c2d1e0f-4a5b-4c6d-8e9f-0a1b2c3d4e5f'},
            'Logs': {'General': True, 'Audit': True},
            'MaintenanceWindowStartTime': {'DayOfWeek': 'SATURDAY', 'TimeOfDay': '22:00', 'TimeZone': 'Mars/Olympus_Mons'},
            'SubnetIds': ['subnet-0dd4400000000004a', 'subnet-0dd4400000000004b'],
            'BrokerState': 'CRITICAL_ACTION_REQUIRED',
            'ActionsRequired': [{'ActionRequiredCode': 'BROKER_OOM', 'ActionRequiredInfo': 'The broker ran out of memory'}],
            'Tags': {'env': 'production', 'team': 'payments'},
            'Users': [
                {'Username': 'payments-admin', 'Password': 'demo-Payments-Admin-2026', 'ConsoleAccess': True, 'Groups': ['admins']},
                {'Username': 'payments-app', 'Password': 'demo-Payments-App-2026', 'Groups': ['apps']},
            ],
            'Metrics': {'CpuUtilization': 91, 'HeapUsage': 97, 'StorePercentUsage': 71, 'CurrentConnectionsCount': 1700},
        },
        {   # The model RabbitMQ cluster.
            'BrokerName': 'events-prod', 'EngineType': 'RABBITMQ', 'EngineVersion': '3.13',
            'DeploymentMode': 'CLUSTER_MULTI_AZ', 'HostInstanceType': 'mq.m5.large', 'PubliclyAccessible': False,
            'EncryptionOptions': {'UseAwsOwnedKey': False, 'KmsKeyId': 'arn:aws:kms:us-east-1:123456789012:key/6b1c0e2d-3f4a-4b5c-8d9e-0a1b2c3d4e5f'},
            'Logs': {'General': True},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60001'],
            'Tags': {'env': 'production', 'team': 'platform'},
            'Users': [{'Username': 'events-admin', 'Password': 'demo-Events-Admin-2026'}],
            'RabbitDefinitions': {
                'users': [audit_user('events-prod'), {'name': 'events-app', 'password': 'demo-Events-App-2026'}],
                'permissions': [{'user': 'events-app', 'configure': '^events\\.', 'write': '^events\\.', 'read': '^events\\.'}],
                'exchanges': [{'name': 'events.dlx', 'type': 'fanout'}],
                'queues': [{'name': 'events.in', 'messages': 12, 'arguments': {'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'events.dlx'}},
                           {'name': 'events.dlq', 'arguments': {'x-queue-type': 'quorum'}}],
                'bindings': [{'source': 'events.dlx', 'destination': 'events.dlq'}],
            },
            'Metrics': {'SystemCpuUtilization': {'base': 35, 'amplitude': 10}, 'RabbitMQMemUsed': 900000000,
                        'RabbitMQMemLimit': 3200000000, 'ConnectionCount': 800, 'MessageCount': 1200,
                        'RabbitMQDiskFree': 180000000000, 'RabbitMQDiskFreeLimit': 8000000000},
        },
        {   # One node in production, and a data plane that grew by hand.
            'BrokerName': 'notifications-prod', 'EngineType': 'RABBITMQ', 'EngineVersion': '4.2',
            'DeploymentMode': 'SINGLE_INSTANCE', 'HostInstanceType': 'mq.m7g.large', 'PubliclyAccessible': False,
            'Logs': {'General': False},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60001'],
            'Tags': {'env': 'prod', 'team': 'notifications'},
            'Users': [{'Username': 'notifications-admin', 'Password': 'demo-Notify-Admin-2026'}],
            'RabbitDefinitions': {
                'users': [audit_user('notifications-prod'),
                          {'name': 'notifications-ops', 'password': 'demo-Notify-Ops-2026', 'tags': ['administrator']},
                          {'name': 'notifications-app', 'password': 'demo-Notify-App-2026'}],
                'permissions': [{'user': 'notifications-app', 'configure': '.*', 'write': '.*', 'read': '.*'}],
                'policies': [{'name': 'ha-all', 'pattern': '^push\\.', 'apply-to': 'queues', 'priority': 1, 'definition': {'ha-mode': 'all'}}],
                'queues': [{'name': 'push.outbound', 'messages': 600}, {'name': 'email.outbound'}],
                'nodes': {'mem_used': 3100000000, 'mem_limit': 3200000000, 'mem_alarm': False},
            },
            'Metrics': {'SystemCpuUtilization': 12, 'RabbitMQMemUsed': 3100000000, 'RabbitMQMemLimit': 3200000000,
                        'ConnectionCount': 150, 'MessageCount': 600,
                        'RabbitMQDiskFree': 150000000000, 'RabbitMQDiskFreeLimit': 8000000000},
        },
        {   # Someone's experiment, public, on an unsupported version.
            'BrokerName': 'analytics-dev', 'EngineType': 'RABBITMQ', 'EngineVersion': '3.11.28',
            'DeploymentMode': 'SINGLE_INSTANCE', 'HostInstanceType': 'mq.t3.micro', 'PubliclyAccessible': True,
            'AutoMinorVersionUpgrade': False, 'Logs': {'General': False},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60002'],
            'Tags': {'env': 'dev', 'team': 'analytics'},
            'Users': [{'Username': 'analytics-admin', 'Password': 'demo-Analytics-Admin-2026'}],
            'RabbitDefinitions': {'users': [audit_user('analytics-dev')]},
            'Metrics': {'SystemCpuUtilization': 55, 'RabbitMQMemUsed': 150000000, 'RabbitMQMemLimit': 400000000,
                        'ConnectionCount': 60, 'MessageCount': 45000,
                        'RabbitMQDiskFree': 9000000000, 'RabbitMQDiskFreeLimit': 400000000},
        },
        {   # A cluster squeezed into one AZ, on the AWS-managed key.
            'BrokerName': 'reports-staging', 'EngineType': 'RABBITMQ', 'EngineVersion': '3.13',
            'DeploymentMode': 'CLUSTER_MULTI_AZ', 'HostInstanceType': 'mq.m5.large', 'PubliclyAccessible': False,
            'EncryptionOptions': {'UseAwsOwnedKey': False},
            'Logs': {'General': True},
            'SecurityGroups': ['sg-0a1b2c3d4e5f60001'],
            'SubnetIds': ['subnet-0ee5500000000005a', 'subnet-0ee5500000000005b', 'subnet-0ee5500000000005c'],
            'Tags': {'env': 'staging', 'team': 'reporting'},
            'Users': [{'Username': 'reports-admin', 'Password': 'demo-Reports-Admin-2026'}],
            'RabbitDefinitions': {'users': [audit_user('reports-staging')]},
            'Metrics': {'SystemCpuUtilization': 20, 'RabbitMQMemUsed': 500000000, 'RabbitMQMemLimit': 3200000000,
                        'ConnectionCount': 40, 'MessageCount': 10,
                        'RabbitMQDiskFree': 190000000000, 'RabbitMQDiskFreeLimit': 8000000000},
        },
    ],
    'securityGroups': [
        {'GroupId': 'sg-0a1b2c3d4e5f60001', 'GroupName': 'mq-private', 'Description': 'Brokers reachable from the application subnets only',
         'VpcId': 'vpc-0123456789abcdef0', 'IpPermissions': [
             {'IpProtocol': 'tcp', 'FromPort': 61617, 'ToPort': 61617, 'IpRanges': [{'CidrIp': '10.0.0.0/16', 'Description': 'apps'}]},
             {'IpProtocol': 'tcp', 'FromPort': 5671, 'ToPort': 5671, 'IpRanges': [{'CidrIp': '10.0.0.0/16', 'Description': 'apps'}]}]},
        {'GroupId': 'sg-0a1b2c3d4e5f60002', 'GroupName': 'mq-open', 'Description': 'Too open: broker ports from anywhere',
         'VpcId': 'vpc-0123456789abcdef0', 'IpPermissions': [
             {'IpProtocol': 'tcp', 'FromPort': 5671, 'ToPort': 5671, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}], 'Ipv6Ranges': [{'CidrIpv6': '::/0'}]},
             {'IpProtocol': 'tcp', 'FromPort': 8162, 'ToPort': 8162, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}]},
        {'GroupId': 'sg-0a1b2c3d4e5f60003', 'GroupName': 'mq-legacy', 'Description': 'Legacy staging access',
         'VpcId': 'vpc-0123456789abcdef0', 'IpPermissions': [{'IpProtocol': '-1', 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}]},
    ],
    'subnets': [
        {'SubnetId': 'subnet-0dd4400000000004a', 'VpcId': 'vpc-0123456789abcdef0', 'AvailabilityZone': 'us-east-1a', 'CidrBlock': '10.0.40.0/24'},
        {'SubnetId': 'subnet-0dd4400000000004b', 'VpcId': 'vpc-0123456789abcdef0', 'AvailabilityZone': 'us-east-1a', 'CidrBlock': '10.0.41.0/24'},
        {'SubnetId': 'subnet-0ee5500000000005a', 'VpcId': 'vpc-0123456789abcdef0', 'AvailabilityZone': 'us-east-1b', 'CidrBlock': '10.0.50.0/24'},
        {'SubnetId': 'subnet-0ee5500000000005b', 'VpcId': 'vpc-0123456789abcdef0', 'AvailabilityZone': 'us-east-1b', 'CidrBlock': '10.0.51.0/24'},
        {'SubnetId': 'subnet-0ee5500000000005c', 'VpcId': 'vpc-0123456789abcdef0', 'AvailabilityZone': 'us-east-1b', 'CidrBlock': '10.0.52.0/24'},
    ],
    'secrets': [
        secret('mqops/orders-prod/orders-admin', 'orders-prod', 'orders-admin', 'demo-Orders-Admin-2026',
               RotationEnabled=True, LastRotatedDate='2025-03-20T00:00:00.000Z', CreatedDate='2024-01-10T00:00:00.000Z'),
        secret('mqops/orders-prod/orders-app', 'orders-prod', 'orders-app', 'demo-Orders-App-2026',
               RotationEnabled=True, LastRotatedDate='2025-03-20T00:00:00.000Z', CreatedDate='2024-01-10T00:00:00.000Z'),
        secret('mqops/payments-prod/payments-admin', 'payments-prod', 'payments-admin', 'demo-Payments-Admin-2026',
               RotationEnabled=True, LastRotatedDate='2025-03-01T00:00:00.000Z', CreatedDate='2024-02-01T00:00:00.000Z'),
        secret('mqops/payments-prod/payments-app', 'payments-prod', 'payments-app', 'demo-Payments-App-2026',
               LastChangedDate='2024-09-01T00:00:00.000Z', CreatedDate='2024-02-01T00:00:00.000Z'),
        secret('mqops/legacy-staging/legacy-admin', 'legacy-staging', 'legacy-admin', 'demo-Legacy-Admin-2026',
               RotationEnabled=True, LastRotatedDate='2025-03-10T00:00:00.000Z', CreatedDate='2022-05-01T00:00:00.000Z'),
        *[secret(f'mqops/{b}/audit', b, f'{b}-audit', f'demo-{b}-Audit-1', role='audit', RotationEnabled=True,
                 LastRotatedDate='2025-03-25T00:00:00.000Z', CreatedDate='2024-06-01T00:00:00.000Z')
          for b in ['events-prod', 'notifications-prod', 'analytics-dev', 'reports-staging']],
    ],
    'topics': [{'Name': 'mqops-alerts'}],
}
out = root / 'packages/local/scenarios/demo.json'
out.write_text(json.dumps(scenario, indent=2) + '\n')
print(f'wrote {out}')
