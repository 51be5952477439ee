"""English of the account, login-throttling and my-worlds strings (issue 11)."""
EN = {
    '登录尝试过多，请在 %(n)s 秒后重试': 'Too many login attempts; try again in %(n)s seconds',
    '原密码错误': 'The current password is wrong',
    '密码已修改，请用新密码重新登录': 'Password changed; log in again with the new password',
    '修改后，本账号在所有浏览器中的登录都会结束。': 'Changing it logs this account out in every browser.',
    '新密码（至少 8 位）': 'New password (at least 8 characters)',
    '我拥有的世界': 'My worlds',
    '已拥有 %(n)s 个世界（教员不限数量）。': 'You own %(n)s worlds (instructors have no limit).',
    '已拥有 %(n)s 个世界，最多 %(q)s 个。达到上限后须先删除旧世界，才能新建、复制或运行场景。':
        'You own %(n)s of at most %(q)s worlds. At the limit, delete old ones before creating, forking or running a scenario.',
    '创建时间': 'Created',
    '确定删除所选世界？': 'Delete the selected worlds?',
    '删除所选世界': 'Delete selected worlds',
    '上一页': 'Previous',
    '下一页': 'Next',
    '已删除 %(n)s 个世界': '%(n)s worlds deleted',
    '未选择世界': 'No world selected',
}
